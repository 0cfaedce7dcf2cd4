#!/usr/bin/env python3
"""Runs the README's quick tour as written, and fails where the README says otherwise.

  tests/docs/readme_tour.py BATON_BINARY README.md

Takes every ```sh block between "## A quick tour" and the next "## " heading, in order, and
runs each command with bash in a new temporary directory (B is the built binary, as the
tour's first line sets it; the state of `cd` and of variables carries from one command to
the next, as in a terminal). What the README shows is what is checked:
  - lines of `# ...` right under a command are its output: each must begin the matching
    line of what the command printed (stdout, then stderr), spaces collapsed; a line that
    ends in "…" is checked up to it (the rest, such as a deadline, depends on the clock);
  - a command whose own comment starts with `baton:` or `refused` must fail, and what
    follows `baton:` must be in its stderr; every other command must exit 0;
  - `serve ... &` starts the server in the background on a port the OS picks (the README's
    127.0.0.1:8080 becomes it, in that command and the ones after), and the tour goes on
    once it answers; it is stopped by its PID at the end.
Exit 0 when the whole tour holds; 1 with one line per difference. Python 3 standard library.
"""
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

README_PORT = "127.0.0.1:8080"


def tour_blocks(readme):
    text = open(readme, encoding="utf-8").read()
    start = text.index("## A quick tour")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def complete(command):
    """Whether the shell would take this text as a whole command (quotes closed)."""
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
        return True
    except ValueError:
        return False


def steps_of(block):
    """(command, own comment, the output lines shown under it), in order."""
    steps = []
    pending = ""
    for line in block.splitlines():
        if not pending and line.startswith("#"):
            if steps:
                steps[-1][2].append(line[1:].strip())
            continue
        if not pending and not line.strip():
            continue
        pending = pending + "\n" + line if pending else line
        if complete(pending):
            comment = ""
            # The comment of a command is what follows the last " # " outside quotes.
            quoted = None
            for i, ch in enumerate(pending):
                if quoted:
                    if ch == quoted:
                        quoted = None
                elif ch in "'\"":
                    quoted = ch
                elif ch == "#" and (i == 0 or pending[i - 1] in " \t"):
                    comment = pending[i + 1 :].strip()
                    break
            steps.append((pending, comment, []))
            pending = ""
    return steps


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def normalise(line):
    return " ".join(line.split())


def main(argv):
    if len(argv) != 3:
        print("usage: readme_tour.py BATON_BINARY README.md", file=sys.stderr)
        return 2
    binary, readme = os.path.abspath(argv[1]), argv[2]
    problems = []
    work = tempfile.mkdtemp(prefix="baton-tour.")
    state = os.path.join(work, ".state")  # cwd and variables between commands
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": work,
        "LANG": "C.UTF-8",
        "B_BINARY": binary,
    }
    address = f"127.0.0.1:{free_port()}"
    server = None
    names = set()  # the variables the tour sets, kept from one command to the next
    with open(state, "w") as f:
        f.write(f"cd {shlex.quote(work)}\n")
    try:
        number = 0
        for block in tour_blocks(readme):
            for command, comment, shown in steps_of(block):
                number += 1
                if command.startswith("B="):
                    command = 'B="$B_BINARY"'
                command = command.replace(README_PORT, address)
                where = f"README tour, command {number} (`{command.splitlines()[0]}`)"
                background = command.split("#")[0].rstrip().endswith("&")
                assigned = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", command)
                if assigned:
                    names.add(assigned.group(1))
                body = command
                if background:
                    body = (f"{command.split('#')[0].rstrip()[:-1]} >{work}/.serve.log 2>&1 &\n"
                            f"echo $! >{work}/.serve.pid")
                keep = " ".join(sorted(names))
                script = (
                    f"source {shlex.quote(state)}\n{body}\nstatus=$?\n"
                    f"{{ printf 'cd %q\\n' \"$PWD\"; "
                    + (f"declare -p {keep}; " if keep else "")
                    + f"}} >{shlex.quote(state)}\n"
                    "exit $status\n"
                )
                run = subprocess.run(["bash", "-c", script], env=env, capture_output=True,
                                     text=True, timeout=120)
                if background:
                    server = int(open(f"{work}/.serve.pid").read())
                    deadline = time.time() + 30
                    while time.time() < deadline:
                        try:
                            urllib.request.urlopen(f"http://{address}/livez", timeout=1)
                            break
                        except OSError:
                            time.sleep(0.1)
                    else:
                        log = open(f"{work}/.serve.log").read()
                        problems.append(f"{where}: the server did not answer: {log[-500:]}")
                        return report(problems)
                    continue
                printed = [l for l in (run.stdout + run.stderr).splitlines() if l.strip()]
                must_fail = comment.startswith("baton:") or comment.startswith("refused")
                if must_fail and run.returncode == 0:
                    problems.append(f"{where}: the README says it is refused, but it exited 0")
                if not must_fail and run.returncode != 0:
                    problems.append(f"{where}: exited {run.returncode}: "
                                    f"{normalise(run.stderr)[:300]}")
                if comment.startswith("baton:") and normalise(comment) not in normalise(run.stderr):
                    problems.append(f"{where}: the README says `{comment}`, stderr says "
                                    f"`{normalise(run.stderr)[:300]}`")
                for i, expected in enumerate(shown):
                    actual = printed[i] if i < len(printed) else "(nothing)"
                    # A README line may end in "…" where the rest depends on the clock.
                    if not normalise(actual).startswith(normalise(expected).rstrip("…").rstrip()):
                        problems.append(f"{where}: output line {i + 1}: the README shows "
                                        f"`{expected}`, it printed `{actual}`")
        return report(problems)
    finally:
        if server:
            try:
                os.kill(server, 15)
                for _ in range(100):
                    os.kill(server, 0)
                    time.sleep(0.1)
            except ProcessLookupError:
                pass
        shutil.rmtree(work, ignore_errors=True)


def report(problems):
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"readme_tour: {len(problems)} difference(s) between the README and Baton",
              file=sys.stderr)
        return 1
    print("readme_tour: every command of the README's tour does what the README says")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
