// Fills the lists from the broker's API (served beside the UI).
async function load(section) {
  const list = document.querySelector(`#${section} ul`);
  const response = await fetch(`/api/${section}`);
  for (const item of await response.json()) {
    const entry = document.createElement('li');
    entry.textContent = item.name;
    list.appendChild(entry);
  }
}
load('agents');
load('deployments');
