#!/usr/bin/python3
"""A real SMTP server on loopback for staffeln's tests (Debian's python3-aiosmtpd).

STARTTLS with the given certificate (unless --no-starttls), AUTH accepting exactly one user and password (only
over TLS), recipients under @rejected.example refused with 550. Each message is parsed
with Python's email package and saved as <n>.json in the mail directory (envelope, decoded
headers and parts, and checks on the raw bytes). Writes its port to --port-file once
listening; exits by itself after --lifetime seconds so it can never outlive a test run.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import logging

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@rejected.example"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = {
                    "text": part.get_content(),
                    "charset": part.get_content_charset(),
                    "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
                }
        lines = raw.split(b"\r\n")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "content_type": message.get_content_type(),
            "subject": str(message["Subject"]),
            "raw_subject": raw.split(b"Subject: ", 1)[1].split(b"\r\nDate")[0].decode("ascii"),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "date": str(message["Date"]),
            "message_id": str(message["Message-ID"]),
            "parts": parts,
            "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
            "longest_line": max(len(line) for line in lines),
            "defects": [str(d) for d in message.defects],
        }
        self.count += 1
        path = os.path.join(self.maildir, "%d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)
    return check


async def serve(args):
    tls = None
    if not args.no_starttls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    handler = Handler(args.maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, tls_context=tls, authenticator=authenticator(args.user, args.password),
                     auth_require_tls=True, hostname="smtp.test", timeout=30, data_size_limit=1 << 20),
        host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)
    await asyncio.sleep(args.lifetime)
    server.close()


def main():
    # aiosmtpd warns about its own deprecated login_data on every AUTH, and logs a traceback
    # for each handshake a test client aborts on purpose.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    for name in ("port-file", "maildir", "cert", "key", "user", "password"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--lifetime", type=float, default=120)
    parser.add_argument("--no-starttls", action="store_true", help="offer no STARTTLS (then AUTH is refused too)")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
