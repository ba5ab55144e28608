#!/usr/bin/env python3
"""The class's password file: each student's password, hashed (PBKDF2-HMAC-SHA256).

    class_passwords.py add FILE NAME...   adds students, prints each one's new password once
    class_passwords.py check FILE         checks the file as the hub does at its start

The file is JSON, {"name": "pbkdf2_sha256$<iterations>$<salt>$<hash>", ...},
readable by its owner only (mode 0600; the hub refuses to start otherwise). No
password is stored: a stolen file gives an attacker 600,000 rounds of SHA-256
per guess (OWASP's figure for PBKDF2-HMAC-SHA256). docker/hub/jupyterhub_config.py's
ClassPasswordAuthenticator reads it; docs/classroom.md ("Adding students") uses this.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import sys

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")


def hash_password(password, iterations=ITERATIONS, salt=None):
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"{ALGORITHM}${iterations}${b64(salt)}${b64(digest)}"


def verify_password(password, stored):
    """Whether password matches stored (a hash_password result); constant time in the hash."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        want = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def load(path):
    """The file's entries, after checking that it is private and holds hashes only."""
    st = os.stat(path)
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise PermissionError(f"{path} is readable or writable by others (mode {stat.S_IMODE(st.st_mode):o}): chmod 600 it")
    if st.st_uid != os.geteuid():
        raise PermissionError(f"{path} belongs to uid {st.st_uid}, not to the hub's user (uid {os.geteuid()})")
    with open(path) as f:
        entries = json.load(f)
    for name, stored in entries.items():
        if not NAME.fullmatch(name):
            raise ValueError(f"{path}: {name!r} is not a valid student name (lower-case letters, digits, '.', '_', '-')")
        if not isinstance(stored, str) or not stored.startswith(ALGORITHM + "$") or stored.count("$") != 3:
            raise ValueError(f"{path}: {name}'s entry is not a {ALGORITHM} hash (plain-text passwords are refused)")
    return entries


def save(path, entries):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(entries, f, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main(argv):
    if len(argv) >= 3 and argv[0] == "add":
        path, names = argv[1], argv[2:]
        entries = load(path) if os.path.exists(path) else {}
        for name in names:
            if not NAME.fullmatch(name):
                sys.exit(f"{name!r} is not a valid student name (lower-case letters, digits, '.', '_', '-')")
            password = secrets.token_urlsafe(9)
            entries[name] = hash_password(password)
            print(f"{name}\t{password}")
        save(path, entries)
        return 0
    if len(argv) == 2 and argv[0] == "check":
        print(f"{len(load(argv[1]))} students, hashed, file private")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
