"""Runs scim2-tester (an independent SCIM 2.0 compliance checker, pinned in
scripts/scim-tester-requirements.txt) against a running server, as its `scim2 test` command
does, and prints each check's result as one JSON line.

usage: scim_tester.py BASE_URL TOKEN

The `scim2 test` command prints text only; its own discovery (scim2_cli.session) and
`check_server` are called here so each result comes with its resource type.
"""

import json
import sys

from httpx2 import Client
from scim2_cli.session import describe_server
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    client.provider = describe_server(client, None, None, None)
    for result in check_server(client, raise_exceptions=False):
        print(
            json.dumps(
                {
                    "status": result.status.name,
                    "check": result.title,
                    "resource_type": result.resource_type,
                    "reason": result.reason,
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
