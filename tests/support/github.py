"""TEST SUPPORT: read a $GITHUB_OUTPUT file the way the Actions runner does."""


def parse_github_output(text):
    """`name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks -> dict.
    A name given twice keeps the last value, as in a workflow."""
    out = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i)  # ValueError: an unterminated block is malformed
            out[name] = "\n".join(lines[i:end])
            i = end + 1
        else:
            name, value = line.split("=", 1)  # ValueError: a line without '=' is malformed
            out[name] = value
    return out
