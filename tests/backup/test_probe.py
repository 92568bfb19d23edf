"""The data checks' script, run for real under `sh` (dash here, bash on Amazon Linux) and bash,
with a fake `psql` and a fake `aws` on PATH; and its output read back as checks.

The fake psql answers like two databases would: `SELECT 1`, the table list, `count(*)` per
table, and a user's query from a file. It refuses to run unless PGPASSFILE holds the secret's
credentials, escaped, in a file only its owner may read, and sslmode is `require`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from prodstack.config.load import load_settings
from prodstack.config.userdata import bootstrap, postgres_client
from prodstack.ops.backup import probe
from prodstack.ops.backup.probe import Endpoint, checks, data_script, findings

SECRET_ARN = "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-0a1b-Xy12"
PASSWORD = "pa:ss\\wo'rd$(reboot)"  # a colon and a backslash need escaping in .pgpass
SOURCE = Endpoint("db.source.internal", 5432)
RESTORED = Endpoint("db-restore.internal", 5432)
QUERY = "SELECT id, note FROM orders WHERE note <> 'it''s $(x) `y`' ORDER BY id"

FAKE_PSQL = r'''#!PYTHON
import json, os, stat, sys
args = sys.argv[1:]
state = json.loads(os.environ["FAKE_DB"])
passfile = os.environ.get("PGPASSFILE", "")
mode = stat.S_IMODE(os.stat(passfile).st_mode) if os.path.exists(passfile) else None
expected = "*:*:*:dbadmin:" + state["password"].replace("\\", "\\\\").replace(":", "\\:")
if (mode != 0o600 or open(passfile).read().strip() != expected
        or os.environ.get("PGSSLMODE") != "require"):
    sys.exit("psql: FATAL: password authentication failed (fake: %r mode %r)" % (passfile, mode))
if "default_transaction_read_only=on" not in os.environ.get("PGOPTIONS", ""):
    sys.exit("psql: fake: not read-only")
host = args[args.index("-h") + 1]
side = "source" if host == state["source"] else "restored"
if host in state.get("down", []):
    sys.exit("psql: error: connection to server at \"%s\" failed:\nConnection timed out" % host)
if "-c" in args:
    sql = args[args.index("-c") + 1]
else:
    sql = open(args[args.index("-f") + 1]).read()
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps({"side": side, "query": sql}) + "\n")
    rows = state["rows"][side]
    print("\n".join(rows)) if rows else None
    sys.exit(0)
if sql == "SELECT 1":
    print(1)
elif "information_schema.tables" in sql:
    for ident, name in state["tables"][side]:
        print(ident + "\t" + name)
elif sql.startswith("SELECT count(*) FROM "):
    ident = sql[len("SELECT count(*) FROM "):]
    counts = state["counts"][side]
    if ident not in counts:
        sys.exit("ERROR:  canceling statement due to statement timeout")
    print(counts[ident])
else:
    sys.exit("psql: fake: unexpected " + sql)
'''

FAKE_AWS = r'''#!PYTHON
import json, os, sys
if os.environ.get("FAKE_SECRET_FAIL"):
    sys.exit("An error occurred (AccessDeniedException) when calling the GetSecretValue operation")
assert sys.argv[1:3] == ["secretsmanager", "get-secret-value"], sys.argv
assert sys.argv[sys.argv.index("--secret-id") + 1] == os.environ["FAKE_SECRET_ARN"]
password = json.loads(os.environ["FAKE_DB"])["password"]
print(json.dumps({"username": "dbadmin", "password": password}))
'''

TABLES = [["public.orders", "public.orders"], ["public.users", "public.users"],
          ['"odd""name".t', 'odd"name.t']]


def state(**changes: Any) -> dict[str, Any]:
    base = {
        "password": PASSWORD, "source": SOURCE.host,
        "tables": {"source": TABLES, "restored": TABLES},
        "counts": {"source": {"public.orders": "12", "public.users": "3", '"odd""name".t': "0"},
                   "restored": {"public.orders": "10", "public.users": "3",
                                '"odd""name".t': "0"}},
        "rows": {"source": ["1\tfirst", "2\tsecond"], "restored": ["1\tfirst", "2\tsecond"]},
    }
    return {**base, **changes}


# What the script needs besides psql and aws (AL2023 has them all); PATH holds nothing else,
# so a psql installed on the test machine is never found.
TOOLS = ("tr", "sed", "cut", "mktemp", "rm", "cat", "wc", "sort", "comm", "head", "tail", "grep",
         "base64", "md5sum")


@pytest.fixture
def fakebin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"the test needs {tool}"
        (folder / tool).symlink_to(found)
    for name, text in (("psql", FAKE_PSQL), ("aws", FAKE_AWS)):
        path = folder / name
        path.write_text(text.replace("PYTHON", sys.executable, 1))
        path.chmod(0o755)
    (folder / "python3").symlink_to(sys.executable)
    return folder


def run(fakebin: Path, db: dict[str, Any], shell: str = "sh", queries: tuple[str, ...] = (),
        script: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    text = script or data_script(region="us-west-1", secret_arn=SECRET_ARN,
                                 dbname="productiondb", source=SOURCE, restored=RESTORED,
                                 client=postgres_client(), queries=queries)
    path = fakebin.parent / "script.sh"
    path.write_text(text)
    (fakebin.parent / "tmp").mkdir(exist_ok=True)
    environment = {"PATH": str(fakebin), "FAKE_DB": json.dumps(db),
                   "TMPDIR": str(fakebin.parent / "tmp"),
                   "FAKE_LOG": str(fakebin.parent / "queries.log"),
                   "FAKE_SECRET_ARN": SECRET_ARN, "HOME": str(fakebin.parent), **env}
    return subprocess.run([shutil.which(shell) or shell, str(path)], capture_output=True,
                          text=True, timeout=60, env=environment, check=False)


def parsed(result: subprocess.CompletedProcess[str], queries: int = 0) -> dict[str, Any]:
    return {c.id: c for c in checks(findings(result.stdout), where="on i-0abc",
                                    restored_host=RESTORED.host, queries=queries)}


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_the_script_checks_both_databases_and_its_output_reads_back(fakebin, shell):
    result = run(fakebin, state(), shell, queries=(QUERY,))
    assert result.returncode == 0, result.stderr
    found = findings(result.stdout)
    assert found.done and found.fatal is None
    assert found.answers == {"source": "1", "restored": "1"}
    assert found.tables == {"source": 3, "restored": 3} and found.missing_count == 0
    assert found.counts[("source", "public.orders")] == "12"
    assert found.counts[("restored", 'odd"name.t')] == "0"
    by_id = parsed(result, queries=1)
    assert [c.status for c in by_id.values()] == ["passed"] * 3, by_id
    assert "public.orders 10/12" in by_id["tables"].detail
    assert "the same 2 rows on both" in by_id["query_1"].detail
    # the query reached psql byte for byte, on both sides
    log = [json.loads(line) for line in (fakebin.parent / "queries.log").read_text().split("\n")
           if line]
    assert [(entry["side"], entry["query"]) for entry in log] == \
        [("source", QUERY), ("restored", QUERY)]
    # no password in what it prints; its folder (with the 0600 .pgpass psql insisted on) is gone
    assert PASSWORD not in result.stdout + result.stderr
    assert list((fakebin.parent / "tmp").iterdir()) == []


def test_the_command_holds_no_password_and_quotes_every_value():
    script = data_script(region="us-west-1", secret_arn=SECRET_ARN, dbname="productiondb",
                         source=SOURCE, restored=Endpoint("x'; reboot; '", 5432),
                         client=postgres_client(), queries=(QUERY,))
    assert PASSWORD not in script and "password" not in script.replace('"password"', "")
    assert f"--secret-id '{SECRET_ARN}'" in script
    assert "'x'\"'\"'; reboot; '\"'\"''" in script  # shlex-quoted, never run
    assert QUERY not in script  # base64: the user's text never meets the shell


def test_missing_tables_skipped_tables_and_differing_results_fail(fakebin, monkeypatch):
    monkeypatch.setattr(probe, "MAX_TABLES", 1)
    db = state(tables={"source": TABLES, "restored": TABLES[:1]},
               rows={"source": ["1\tfirst", "2\tsecond"], "restored": ["1\tfirst"]})
    result = run(fakebin, db, queries=(QUERY,))
    by_id = parsed(result, queries=1)
    assert by_id["answers"].status == "passed"
    tables = by_id["tables"]
    assert tables.status == "failed"
    assert "not in the restored database (2 of the source's 3 tables)" in tables.detail
    assert 'odd"name.t' in tables.detail and "public.users" in tables.detail
    assert by_id["query_1"].status == "failed"
    assert "restored 1 rows" in by_id["query_1"].detail
    assert "source 2 rows" in by_id["query_1"].detail
    found = findings(result.stdout)
    assert found.skipped == 2 and found.skipped_tables == ["public.users", 'odd"name.t']


def test_skipped_tables_are_named_and_a_count_that_times_out_fails(fakebin, monkeypatch):
    monkeypatch.setattr(probe, "MAX_TABLES", 2)
    counts = state()["counts"]
    del counts["restored"]["public.users"]  # the fake answers a statement timeout
    result = run(fakebin, state(counts=counts))
    tables = parsed(result)["tables"]
    assert tables.status == "failed"
    assert "1 tables beyond the first 2 not counted: odd\"name.t" in tables.detail
    assert "public.users (restored): ERROR:  canceling statement due to" in tables.detail


def test_a_restored_database_that_does_not_answer_fails_with_the_reason(fakebin):
    result = run(fakebin, state(down=[RESTORED.host]))
    by_id = parsed(result)
    assert by_id["answers"].status == "failed"
    assert "Connection timed out" in by_id["answers"].detail
    assert "\n" not in by_id["answers"].detail
    assert by_id["tables"].status == "failed"


def test_no_psql_on_the_instance_is_a_fatal_line_naming_the_package(fakebin):
    (fakebin / "psql").unlink()
    result = run(fakebin, state())
    assert result.returncode == 1
    by_id = parsed(result)
    assert list(by_id) == ["answers"]
    assert f"installs {postgres_client()}" in by_id["answers"].detail


def test_an_unreadable_secret_is_a_fatal_line_with_the_error(fakebin):
    result = run(fakebin, state(), FAKE_SECRET_FAIL="1")
    assert result.returncode == 1
    detail = parsed(result)["answers"].detail
    assert "cannot read the database secret" in detail and "AccessDeniedException" in detail


def test_output_cut_short_is_a_failed_check():
    full = "\n".join(["PRODSTACK\tanswers\tsource\t1", "PRODSTACK\tanswers\trestored\t1",
                      "PRODSTACK\ttables\tsource\t1", "PRODSTACK\ttables\trestored\t1",
                      "PRODSTACK\tmissing_count\t0", "PRODSTACK\tdone"])
    whole = checks(findings(full), where="w", restored_host="h", queries=0)
    assert [c.status for c in whole] == ["passed", "passed"]
    cut = checks(findings(full.rsplit("\n", 1)[0]), where="w", restored_host="h", queries=0)
    assert cut[-1].id == "data_checks" and cut[-1].status == "failed"


def test_the_bootstrap_installs_the_client_of_the_database_major_version():
    from prodstack.stack.parts.database import ENGINE_MAJOR

    assert postgres_client() == f"postgresql{ENGINE_MAJOR}"
    boot = bootstrap(load_settings(env="dev"))
    assert f"dnf install -y httpd amazon-cloudwatch-agent {postgres_client()}\n" in boot

