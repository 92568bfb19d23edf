"""The data checks `backup verify` runs on a web instance: the shell script, and its output read
back as checks.

The database is private: its security group admits the web tier only, so the checks run on a
web instance (`runcommand.py` sends this script there with SSM Run Command). The script:
- reads the master credentials from the database's RDS-managed secret *on the instance* (its
  role may read that secret: stack/webtier.py `web_read_db_secret`) into a `.pgpass` file
  (mode 0600, in a temporary folder removed on exit), so no password is ever part of the
  command: SSM keeps a command's parameters in its history;
- runs `psql` (PostgreSQL client from prodstack's bootstrap, app/userdata.py) over TLS
  (`sslmode=require`; the parameter group sets `rds.force_ssl`), with every statement in a
  read-only transaction (`default_transaction_read_only`) and a statement timeout, against the
  restored instance and the source;
- checks that both answer `SELECT 1`; lists every base table of both (schemas other than
  `pg_catalog` and `information_schema`) and names the source's tables missing from the
  restore (at most `MAX_LISTED`); counts the rows of the first `MAX_TABLES` source tables, by
  name, on both sides and names the tables it skipped; runs each user query (`--sql`, sent
  base64-encoded, so any text survives the shell) on both sides and prints its row count and
  the MD5 of its sorted rows: no row of data leaves the instance.
It prints one tab-separated line per finding, each starting with `PRODSTACK`, and `done` last,
so that output cut short (SSM API reference, GetCommandInvocation: `StandardOutputContent`
holds the first 24,000 characters) is recognised. `findings()` and `checks()` turn that output
into the report's checks.

Row counts are shown side by side but never judged: the source keeps changing after the
snapshot. A user query passes when both sides return the same rows, so it should read data
that the snapshot already held (e.g. rows older than the snapshot).
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass, field

from prodstack.ops.backup.checks import FAILED, PASSED, Check

MAX_TABLES = 50  # tables whose rows are counted
MAX_LISTED = 20  # names listed for missing or skipped tables
MAX_QUERIES = 10
MAX_QUERY_CHARS = 4000
STATEMENT_TIMEOUT_MS = 60_000
CONNECT_TIMEOUT = 10
MARK = "PRODSTACK"
SIDES = ("source", "restored")

_SCRIPT = r"""# prodstack backup verify: data checks of the restored database against the source
set -u
umask 077
TAB=$(printf '\t')
out() { printf '%s' @MARK@; for field in "$@"; do printf '\t%s' "$field"; done; printf '\n'; }
one_line() { tr '\t\r\n' '   ' | sed -e 's/^psql:[^ ]*:[0-9]*: //' -e 's/ *$//' | cut -c1-300; }
fatal() { out fatal "$1"; exit 1; }
host_of() {
  case "$1" in source) printf '%s' @SOURCE_HOST@ ;; *) printf '%s' @RESTORED_HOST@ ;; esac
}
port_of() {
  case "$1" in source) printf '%s' @SOURCE_PORT@ ;; *) printf '%s' @RESTORED_PORT@ ;; esac
}
command -v psql >/dev/null 2>&1 || fatal "psql is not installed on this instance \
(prodstack's bootstrap installs @CLIENT@; an instance launched before that needs replacing: \
prodstack up or prodstack deploy rolls the web tier)"
WORK=$(mktemp -d) || fatal "cannot create a temporary folder"
trap 'rm -rf "$WORK"' EXIT
export PGPASSFILE="$WORK/pgpass"
if ! aws secretsmanager get-secret-value --region @REGION@ --secret-id @SECRET_ARN@ \
    --query SecretString --output text 2>"$WORK/err" | python3 -c '
import json, sys
secret = json.load(sys.stdin)
def esc(value):
    return str(value).replace("\\", "\\\\").replace(":", "\\:")
with open(sys.argv[1], "w") as passfile:
    passfile.write("*:*:*:%s:%s\n" % (esc(secret["username"]), esc(secret["password"])))
print(secret["username"])' "$PGPASSFILE" >"$WORK/user" 2>>"$WORK/err"; then
  fatal "cannot read the database secret @SECRET_ARN_TEXT@: $(one_line <"$WORK/err")"
fi
PGUSER=$(cat "$WORK/user")
export PGUSER PGDATABASE=@DBNAME@ PGSSLMODE=require PGCONNECT_TIMEOUT=@CONNECT_TIMEOUT@
export PGOPTIONS='-c default_transaction_read_only=on -c statement_timeout=@STATEMENT_TIMEOUT@'
sql() {
  psql -X -q -A -t -F "$TAB" -v ON_ERROR_STOP=1 -h "$(host_of "$1")" -p "$(port_of "$1")" \
    "$2" "$3" </dev/null 2>"$WORK/err"
}
for side in source restored; do
  if value=$(sql "$side" -c 'SELECT 1'); then out answers "$side" "$value"
  else out error "$side" "$(one_line <"$WORK/err")"; fi
done
TABLES="SELECT format('%I.%I', table_schema, table_name), table_schema || '.' || table_name
  FROM information_schema.tables WHERE table_type = 'BASE TABLE'
  AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 2"
for side in source restored; do
  if sql "$side" -c "$TABLES" >"$WORK/tables.$side"; then
    cut -f2 "$WORK/tables.$side" | LC_ALL=C sort >"$WORK/names.$side"
    out tables "$side" "$(wc -l <"$WORK/tables.$side" | tr -d ' ')"
  else
    out tables_error "$side" "$(one_line <"$WORK/err")"
    : >"$WORK/tables.$side"; : >"$WORK/names.$side"
  fi
done
LC_ALL=C comm -23 "$WORK/names.source" "$WORK/names.restored" >"$WORK/missing"
out missing_count "$(wc -l <"$WORK/missing" | tr -d ' ')"
head -n @MAX_LISTED@ "$WORK/missing" | while IFS= read -r name; do out missing "$name"; done
head -n @MAX_TABLES@ "$WORK/tables.source" | while IFS="$TAB" read -r ident name; do
  for side in source restored; do
    grep -qxF -- "$name" "$WORK/names.$side" || continue
    if rows=$(sql "$side" -c "SELECT count(*) FROM $ident"); then out count "$side" "$name" "$rows"
    else out count_error "$side" "$name" "$(one_line <"$WORK/err")"; fi
  done
done
total=$(wc -l <"$WORK/tables.source" | tr -d ' ')
if [ "$total" -gt @MAX_TABLES@ ]; then
  out skipped "$((total - @MAX_TABLES@))"
  tail -n +$((@MAX_TABLES@ + 1)) "$WORK/tables.source" | cut -f2 | head -n @MAX_LISTED@ |
    while IFS= read -r name; do out skipped_table "$name"; done
fi
number=0
for encoded in @QUERIES@; do
  number=$((number + 1))
  printf '%s' "$encoded" | base64 -d >"$WORK/query.sql"
  for side in source restored; do
    if sql "$side" -f "$WORK/query.sql" >"$WORK/rows"; then
      out query "$number" "$side" "$(wc -l <"$WORK/rows" | tr -d ' ')" \
        "$(LC_ALL=C sort "$WORK/rows" | md5sum | cut -d' ' -f1)"
    else out query_error "$number" "$side" "$(one_line <"$WORK/err")"; fi
  done
done
out done
"""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def data_script(*, region: str, secret_arn: str, dbname: str, source: Endpoint,
                restored: Endpoint, client: str, queries: tuple[str, ...] = ()) -> str:
    """The script, with every value shell-quoted (the queries base64-encoded)."""
    encoded = " ".join(base64.b64encode(q.encode()).decode() for q in queries)
    values = {
        "MARK": MARK, "REGION": region, "SECRET_ARN": secret_arn, "DBNAME": dbname,
        "SOURCE_HOST": source.host, "SOURCE_PORT": str(source.port),
        "RESTORED_HOST": restored.host, "RESTORED_PORT": str(restored.port),
        "CLIENT": client, "CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT_MS), "MAX_LISTED": str(MAX_LISTED),
        "MAX_TABLES": str(MAX_TABLES),
    }
    script = _SCRIPT.replace("@QUERIES@", encoded).replace("@SECRET_ARN_TEXT@",
                                                           _plain(secret_arn))
    for key, value in values.items():
        quoted = value if key in _UNQUOTED else shlex.quote(value)
        script = script.replace(f"@{key}@", quoted)
    left = re.findall(r"@[A-Z_]+@", script)
    assert not left, left
    return script


# Values that are numbers or fixed words (no quoting needed, and some sit inside quotes).
_UNQUOTED = {"MARK", "CONNECT_TIMEOUT", "STATEMENT_TIMEOUT", "MAX_LISTED", "MAX_TABLES",
             "CLIENT"}


def _plain(text: str) -> str:
    """Text that may sit inside the script's double quotes as it is (an ARN does)."""
    return re.sub(r"[^A-Za-z0-9:/_.!+=,-]", "?", text)


@dataclass
class Findings:
    """What the script printed."""

    fatal: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    table_errors: dict[str, str] = field(default_factory=dict)
    missing_count: int = 0
    missing: list[str] = field(default_factory=list)
    counts: dict[tuple[str, str], str] = field(default_factory=dict)  # (side, table) -> rows
    count_errors: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped: int = 0
    skipped_tables: list[str] = field(default_factory=list)
    queries: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)
    query_errors: dict[tuple[int, str], str] = field(default_factory=dict)
    done: bool = False


def findings(stdout: str) -> Findings:
    """Read the script's lines; anything else on standard output is ignored."""
    f = Findings()
    for line in stdout.splitlines():
        fields = line.split("\t")
        if fields[0] != MARK or len(fields) < 2:
            continue
        kind, rest = fields[1], fields[2:]
        try:
            _take(f, kind, rest)
        except (IndexError, ValueError):
            continue  # a malformed line (a table name with a tab in it): not a finding
    return f


def _take(f: Findings, kind: str, rest: list[str]) -> None:
    if kind == "fatal":
        f.fatal = rest[0]
    elif kind == "answers":
        f.answers[rest[0]] = rest[1]
    elif kind == "error":
        f.errors[rest[0]] = rest[1]
    elif kind == "tables":
        f.tables[rest[0]] = int(rest[1])
    elif kind == "tables_error":
        f.table_errors[rest[0]] = rest[1]
    elif kind == "missing_count":
        f.missing_count = int(rest[0])
    elif kind == "missing":
        f.missing.append(rest[0])
    elif kind == "count":
        f.counts[(rest[0], rest[1])] = rest[2]
    elif kind == "count_error":
        f.count_errors[(rest[0], rest[1])] = rest[2]
    elif kind == "skipped":
        f.skipped = int(rest[0])
    elif kind == "skipped_table":
        f.skipped_tables.append(rest[0])
    elif kind == "query":
        f.queries[(int(rest[0]), rest[1])] = (int(rest[2]), rest[3])
    elif kind == "query_error":
        f.query_errors[(int(rest[0]), rest[1])] = rest[2]
    elif kind == "done":
        f.done = True


def checks(f: Findings, *, where: str, restored_host: str, queries: int) -> list[Check]:
    """`answers`, `tables` and one `query_<n>` per user query, from the script's findings;
    `where` names the instance the script ran on."""
    if f.fatal:
        return [Check("answers", FAILED, f"{where}: {f.fatal}")]
    result = [_answers(f, where, restored_host), _tables(f)]
    result += [_query(f, n) for n in range(1, queries + 1)]
    if not f.done:
        result.append(Check("data_checks", FAILED, f"{where}: the script's output ended before "
                            "its last line (cut short or stopped): the checks above are partial"))
    return result


def _answers(f: Findings, where: str, host: str) -> Check:
    if f.answers.get("restored") == "1":
        return Check("answers", PASSED, f"SELECT 1 on {host} returned 1 ({where})")
    why = f.errors.get("restored") or f"returned {f.answers.get('restored')!r}"
    return Check("answers", FAILED, f"SELECT 1 on {host} failed: {why} ({where})")


def _tables(f: Findings) -> Check:
    for side in SIDES:
        if side in f.table_errors or side not in f.tables:
            why = f.table_errors.get(side) or f.errors.get(side) or "no answer"
            return Check("tables", FAILED, f"cannot list the {side} database's tables: {why}")
    total = f.tables["source"]
    if f.missing_count:
        more = f.missing_count - len(f.missing)
        names = ", ".join(f.missing) + (f" and {more} more" if more > 0 else "")
        return Check("tables", FAILED, f"not in the restored database ({f.missing_count} of "
                     f"the source's {total} tables): {names} (a table created after the "
                     "snapshot is missing too)")
    detail = f"all {total} tables of the source are in the restored database"
    counted = sorted({name for (_, name) in f.counts} | {name for (_, name) in f.count_errors})
    if counted:
        pairs = [f"{name} {_rows(f, 'restored', name)}/{_rows(f, 'source', name)}"
                 for name in counted]
        detail += ("; rows restored/source (the source has changed since the snapshot): "
                   + ", ".join(pairs))
    if f.skipped:
        more = f.skipped - len(f.skipped_tables)
        detail += (f"; {f.skipped} tables beyond the first {MAX_TABLES} not counted: "
                   + ", ".join(f.skipped_tables) + (f" and {more} more" if more > 0 else ""))
    errors = [f"{name} ({side}): {why}" for (side, name), why in sorted(f.count_errors.items())]
    if errors:
        return Check("tables", FAILED, detail + "; counting failed for " + "; ".join(errors))
    return Check("tables", PASSED, detail)


def _rows(f: Findings, side: str, name: str) -> str:
    if (side, name) in f.count_errors:
        return "error"
    return f.counts.get((side, name), "?")


def _query(f: Findings, number: int) -> Check:
    cid = f"query_{number}"
    failed = [f"{side}: {f.query_errors[(number, side)]}" for side in SIDES
              if (number, side) in f.query_errors]
    if failed:
        return Check(cid, FAILED, f"--sql #{number} failed on " + "; ".join(failed))
    got = {side: f.queries.get((number, side)) for side in SIDES}
    if got["source"] is None or got["restored"] is None:
        return Check(cid, FAILED, f"--sql #{number}: no result from "
                     + " and ".join(side for side in SIDES if got[side] is None))
    (rows, digest), (src_rows, src_digest) = got["restored"], got["source"]
    if (rows, digest) == (src_rows, src_digest):
        return Check(cid, PASSED, f"--sql #{number}: the same {rows} rows on both "
                     f"(md5 of the sorted rows {digest})")
    return Check(cid, FAILED, f"--sql #{number}: results differ: restored {rows} rows (md5 "
                 f"{digest}), source {src_rows} rows (md5 {src_digest})")
