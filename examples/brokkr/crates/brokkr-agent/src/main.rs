//! The agent: `--version` prints its build; otherwise it prints one
//! heartbeat for the deployments named on its command line.
use brokkr_models::{Build, Heartbeat};

fn main() {
    let build = Build::new("brokkr-agent", option_env!("VERSION"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--version") {
        println!("{}", build.line());
        return;
    }
    let beat = Heartbeat { agent: "agent-0".to_string(), build, deployments: args };
    println!("{}", serde_json::to_string(&beat).expect("a Heartbeat always serialises"));
}
