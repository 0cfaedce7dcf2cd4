#!/usr/bin/env python3
"""Prints the messages of a Maildir (as aiosmtpd's Mailbox handler writes them) as one
JSON array, parsed the way a mail client would, with Python's email package:

    [{"headers": {name: decoded value}, "raw_headers": {name: value as sent},
      "content_type": "multipart/alternative",
      "parts": [{"content_type": "text/plain", "charset": "utf-8", "text": decoded}],
      "defects": [...]}]

Usage: read_maildir.py DIR
"""

import email
import email.policy
import json
import mailbox
import sys


def describe(message_bytes):
    parsed = email.message_from_bytes(message_bytes, policy=email.policy.default)
    raw = email.message_from_bytes(message_bytes, policy=email.policy.compat32)
    parts = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "text": part.get_content(),
        })
    return {
        "headers": {name: str(value) for name, value in parsed.items()},
        "raw_headers": {name: str(value) for name, value in raw.items()},
        "content_type": parsed.get_content_type(),
        "parts": parts,
        "defects": [str(d) for d in parsed.defects],
    }


def main():
    box = mailbox.Maildir(sys.argv[1], create=False)
    messages = [describe(bytes(box.get_bytes(key))) for key in sorted(box.keys())]
    json.dump(messages, sys.stdout)


if __name__ == "__main__":
    main()
