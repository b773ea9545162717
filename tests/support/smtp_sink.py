"""A real SMTP server (aiosmtpd) for the tests: accepts mail on 127.0.0.1:PORT, with or without
AUTH (user "roster", password "secret"), and appends each message, parsed, as one JSON line to
a file. It runs until its standard input closes (the test process ends or drops it)."""

import json
import sys
import warnings
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        parts = []
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                continue
            parts.append({"type": part.get_content_type(), "body": part.get_content()})
        record = {
            "envelope_from": envelope.mail_from,
            "envelope_to": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 Message accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"roster"
        and auth_data.password == b"secret"
    )
    return AuthResult(success=ok)


def main():
    warnings.filterwarnings("ignore")
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(
        Sink(path),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
