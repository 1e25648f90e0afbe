#!/usr/bin/env python3
"""Reads the final stage of the Dockerfile as an image config, so that hack/image.sh builds what it says.

  dockerfile.py DOCKERFILE [NAME=VALUE...]     (NAME=VALUE as docker build --build-arg)

Prints JSON: {"config": the OCI config's "config" object, "copies": [{"from", "src", "dest"}...]}.
Understands only ARG, COPY --from, LABEL, WORKDIR, USER, ENV, EXPOSE and ENTRYPOINT (exec form): any
other instruction in the final stage is an error, since hack/image.sh could not do what it does.
"""
import json
import re
import shlex
import sys


def instructions(text):
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    stage = []
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        if word.upper() == "FROM":
            stage = []
        else:
            stage.append((word.upper(), rest.strip()))
    return stage


def pairs(rest, args):
    """K=V pairs (quoted as the shell does), with $NAME and ${NAME} of the ARGs substituted."""
    result = {}
    for token in shlex.split(rest):
        key, _, value = token.partition("=")
        result[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], value)
    return result


def main(path, *build_args):
    given = dict(a.split("=", 1) for a in build_args)
    args, config, copies = {}, {"Labels": {}, "Env": []}, []
    with open(path) as f:
        stage = instructions(f.read())
    for word, rest in stage:
        if word == "ARG":
            name, _, default = rest.partition("=")
            args[name] = given.get(name, default)
        elif word == "COPY":
            parts = rest.split()
            if len(parts) != 3 or not parts[0].startswith("--from="):
                sys.exit(f"dockerfile.py: only COPY --from=STAGE SRC DEST is understood, got: COPY {rest}")
            copies.append({"from": parts[0][len("--from="):], "src": parts[1], "dest": parts[2]})
        elif word == "LABEL":
            config["Labels"].update(pairs(rest, args))
        elif word == "ENV":
            config["Env"] += [f"{k}={v}" for k, v in pairs(rest, args).items()]
        elif word == "WORKDIR":
            config["WorkingDir"] = rest
        elif word == "USER":
            config["User"] = rest
        elif word == "EXPOSE":
            config["ExposedPorts"] = {(p if "/" in p else p + "/tcp"): {} for p in rest.split()}
        elif word == "ENTRYPOINT":
            config["Entrypoint"] = json.loads(rest)
        else:
            sys.exit(f"dockerfile.py: hack/image.sh cannot build the final stage's {word} instruction")
    print(json.dumps({"config": config, "copies": copies}, indent=2))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:])
