"""The audit's value resolver: an attribute a rule reads, through the configuration when the
plan does not know it.

`resolver(plan).value(res, *path)` is the planned value when Terraform knows it (concrete
values are read exactly as the plan gives them); otherwise the attribute's expression,
evaluated (resolve_eval.py) against the plan and the configuration: variables (the plan's
values, which hold defaults, `-var` and tfvars), module inputs through every module call,
locals, outputs, `jsonencode` and templates, `aws_iam_policy_document` blocks. A reference to
an attribute the plan does not know is derived where AWS builds it from known parts (a
bucket's ARN from its name, a role's from its path and name) and is otherwise a *symbol*
("the name of aws_s3_bucket.logs", policy_match) that the policy evaluator matches against
itself. What stays undecidable, a data source that reads AWS at apply, is `Unresolved` with
that reason, and a rule that meets it reports the resource as unseen.

The configuration's expressions come from the folder in directory mode (`plan.expressions`,
tf/hcl_config.py); a plan file alone holds only each expression's references, and there an
attribute whose references are all known but whose planned value is not was written null
(Terraform computes every expression over known values at plan time, so only a null left to
the provider's computed default stays unknown); this is read only from variables and module
inputs, never from other resources' attributes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from prodstack.catalog.plan_data import account_id, data_instances, partition, region
from prodstack.catalog.policy_match import HOLE, symbol
from prodstack.catalog.resolve_eval import Encoded, Evaluator, Key, step, unresolved_in
from prodstack.tf.hcl_config import Expressions, Module
from prodstack.tf.hcl_expr import Body, Tree
from prodstack.tf.plan import UNKNOWN, Plan, Resource, Unknown
from prodstack.tf.resource import Unresolved, join_path, strip_instance_keys

POLICY_DOC = "data.aws_iam_policy_document"
_CACHE: weakref.WeakKeyDictionary[Plan, Resolver] = weakref.WeakKeyDictionary()


def resolver(plan: Plan) -> Resolver:
    found = _CACHE.get(plan)
    if found is None:
        found = _CACHE[plan] = Resolver(plan, getattr(plan, "expressions", None))
    return found


def plain(value: Any) -> tuple[Any, tuple[str, ...]]:
    """A resolved value as the policy reader takes it (`Encoded` as its structure, every
    unknown part as UNKNOWN), and what its unknown parts depend on."""
    why = unresolved_in(value)

    def convert(item: Any) -> Any:
        if isinstance(item, Encoded):
            return convert(item.value)
        if isinstance(item, Unknown):
            return UNKNOWN
        if isinstance(item, dict):
            return {k: convert(v) for k, v in item.items()}
        if isinstance(item, list):
            return [convert(v) for v in item]
        return item

    return convert(value), why


def _arn(service: str, resource: Callable[[Resolver, Resource], Any],
         regional: bool = True) -> Callable[[Resolver, Resource], Any]:
    def build(r: Resolver, res: Resource) -> Any:
        tail = resource(r, res)
        if not isinstance(tail, str):
            return tail
        where = region(r.plan) if regional else ""
        account = account_id(r.plan) if service not in ("s3",) else ""
        return f"arn:{partition(r.plan)}:{service}:{where}:{account}:{tail}"
    return build


def _name(attr: str, prefix: str = "") -> Callable[[Resolver, Resource], Any]:
    def build(r: Resolver, res: Resource) -> Any:
        value = r.attribute(res, attr)
        return f"{prefix}{value}" if isinstance(value, str) else value
    return build


def _iam(kind: str) -> Callable[[Resolver, Resource], Any]:
    def build(r: Resolver, res: Resource) -> Any:
        name, path = r.attribute(res, "name"), r.attribute(res, "path")
        path = path if isinstance(path, str) and path else "/"
        return f"{kind}{path}{name}" if isinstance(name, str) else name
    return build


# Attributes AWS builds from others: (type, attribute) -> how.
DERIVED: dict[tuple[str, str], Callable[[Resolver, Resource], Any]] = {
    ("aws_s3_bucket", "arn"): _arn("s3", _name("bucket"), regional=False),
    ("aws_s3_bucket", "id"): _name("bucket"),
    ("aws_iam_role", "arn"): _arn("iam", _iam("role"), regional=False),
    ("aws_iam_role", "id"): _name("name"),
    ("aws_iam_policy", "arn"): _arn("iam", _iam("policy"), regional=False),
    ("aws_cloudwatch_log_group", "arn"): _arn("logs", _name("name", "log-group:")),
    ("aws_cloudwatch_log_group", "id"): _name("name"),
    ("aws_sns_topic", "arn"): _arn("sns", _name("name")),
    ("aws_sns_topic", "id"): _arn("sns", _name("name")),
    ("aws_sqs_queue", "arn"): _arn("sqs", _name("name")),
    ("aws_lambda_function", "arn"): _arn("lambda", _name("function_name", "function:")),
    ("aws_cloudtrail", "arn"): _arn("cloudtrail", _name("name", "trail/")),
    ("aws_kms_key", "arn"): _arn("kms", _name("key_id", "key/")),
    ("aws_kms_alias", "arn"): _arn("kms", _name("name")),
    ("aws_cloudwatch_event_rule", "arn"): _arn("events", _name("name", "rule/")),
    ("aws_kinesis_firehose_delivery_stream", "arn"): _arn(
        "firehose", _name("name", "deliverystream/")),
}


class Resolver:
    def __init__(self, plan: Plan, expressions: Expressions | None) -> None:
        self.plan = plan
        self.expressions = expressions
        self.evaluator = Evaluator(self._reference)
        self._active: set[tuple[str, tuple[Any, ...]]] = set()

    # -- what rules ask ----------------------------------------------------------------------

    def value(self, res: Resource, *path: str | int) -> Any:
        """The planned value at `path`; where Terraform only knows it after apply, the value
        of its expression (with symbols, or `Unresolved`)."""
        planned = res.get(*path)
        if planned is not UNKNOWN:
            return planned
        return self._configured(res, path)

    def attribute(self, res: Resource, attr: str) -> Any:
        """A referenced attribute: planned, else derived, configured, or a symbol."""
        planned = res.get(attr)
        if planned is not UNKNOWN:
            return planned
        if res.type == POLICY_DOC and attr in ("json", "minified_json"):
            return self._policy_json(res)
        derive = DERIVED.get((res.type, attr))
        if derive is not None:
            return self._guarded(res, ("derived", attr), lambda: derive(self, res))
        if res.type.startswith("data."):
            return Unresolved(f"{res.address}, read from AWS at apply")
        if res.has_config and res.written(attr):
            value = self._configured(res, (attr,))
            if not isinstance(value, Unknown):
                return value
        return symbol(f"the {attr} of {res.address}")

    # -- configuration -----------------------------------------------------------------------

    def _guarded(self, res: Resource, key: tuple[Any, ...], work: Callable[[], Any]) -> Any:
        mark = (res.address, key)
        if mark in self._active:
            return Unresolved(f"a reference cycle through {res.address}")
        self._active.add(mark)
        try:
            return work()
        finally:
            self._active.discard(mark)

    def _module(self, path: str) -> Module | None:
        return self.expressions.module(path) if self.expressions is not None else None

    def _body(self, res: Resource) -> Body | None:
        module = self._module(res.module_path)
        return module.blocks.get(f"{res.type}.{res.name}") if module else None

    def _configured(self, res: Resource, path: tuple[str | int, ...]) -> Any:
        return self._guarded(res, path, lambda: self._evaluate_at(res, path))

    def _evaluate_at(self, res: Resource, path: tuple[str | int, ...]) -> Any:
        body = self._body(res)
        if body is None:
            return self._from_plan_config(res, path)
        scope = self._scope(res)
        for i, key in enumerate(path):
            if isinstance(key, int):
                continue
            if key in body.attrs:
                value = self.evaluator.eval(body.attrs[key], scope)
                for rest in path[i + 1:]:
                    value = step(value, Key(rest) if isinstance(rest, int) else rest)
                return value
            if any(t == "dynamic" and labels[:1] == (key,) for t, labels, _ in body.blocks):
                return Unresolved(f"the dynamic {key} blocks of {res.address}")
            blocks = body.children(key)
            nxt = path[i + 1] if i + 1 < len(path) else None
            if not blocks or (isinstance(nxt, int) and nxt >= len(blocks)):
                return None  # not written: null
            body = blocks[nxt if isinstance(nxt, int) else 0]
        return Unresolved(f"the {'.'.join(map(str, path))} block of {res.address}")

    def _from_plan_config(self, res: Resource, path: tuple[str | int, ...]) -> Any:
        """A plan file: a constant, or null when every reference is known (see above)."""
        node: Any = res.expressions
        for key in path:
            if isinstance(node, list):
                node = node[key] if isinstance(key, int) and key < len(node) else \
                    (node[0] if node and isinstance(key, str) else None)
            if isinstance(key, str):
                node = node.get(key) if isinstance(node, dict) else None
        shown = ".".join(str(k) for k in path)
        if not isinstance(node, dict):
            return Unresolved(f"{shown} of {res.address}, computed at apply")
        if "constant_value" in node:
            return node["constant_value"]
        refs = [r for r in node.get("references") or [] if isinstance(r, str)]
        precise = [r for r in refs if not any(o.startswith(r + ".") for o in refs)]
        if precise and all(self._known_reference(res.module_path, r) for r in precise):
            return None
        return Unresolved(f"{shown} of {res.address}: written as an expression over "
                          f"{', '.join(refs) or 'values'} that the plan does not keep")

    def _known_reference(self, module_path: str, ref: str, depth: int = 0) -> bool:
        """Did Terraform know the value of `ref` at plan time? A root variable with a value,
        a module input that is a constant, a default, or an expression over such values."""
        parts = strip_instance_keys(ref).split(".")
        if depth > 32:
            return False
        if parts[0] == "var" and len(parts) > 1:
            if not module_path:
                return not isinstance(self._variable("", parts[1]), Unknown)
            parent, _, call = module_path.rpartition(".module.")
            call = call if parent else module_path.removeprefix("module.")
            written = self._plan_call(parent, call).get("expressions", {}).get(parts[1])
            if not isinstance(written, dict) or "constant_value" in written:
                return True  # a constant, or the default
            refs = [r for r in written.get("references") or [] if isinstance(r, str)]
            return bool(refs) and all(self._known_reference(parent, r, depth + 1)
                                      for r in refs)
        return False  # resources' attributes: a plan known in part is not evidence enough

    def _plan_call(self, parent: str, call: str) -> dict[str, Any]:
        node: Any = (self.plan.data.get("configuration") or {}).get("root_module") or {}
        for name in [p for p in parent.split(".") if p and p != "module"]:
            node = ((node.get("module_calls") or {}).get(name) or {}).get("module") or {}
        entry = (node.get("module_calls") or {}).get(call)
        return entry if isinstance(entry, dict) else {}

    def _scope(self, res: Resource) -> dict[str, Any]:
        return {"\x00module": res.module_path, "\x00index": res.index,
                "\x00block": f"{res.type}.{res.name}"}

    # -- references --------------------------------------------------------------------------

    def _reference(self, name: str, steps: list[Any], scope: Mapping[str, Any]) -> Any:
        module_path = str(scope.get("\x00module", ""))
        if name in scope and not name.startswith("\x00"):
            return _walk(scope[name], steps)
        names = [s for s in steps if isinstance(s, str)]
        if name == "var" and names:
            return _walk(self._variable(module_path, names[0]), steps[1:])
        if name == "local" and names:
            return _walk(self._local(module_path, names[0]), steps[1:])
        if name == "module" and len(steps) >= 2:
            rest = steps[2:] if not isinstance(steps[1], Key) else steps[3:]
            out = steps[1] if not isinstance(steps[1], Key) else steps[2] if len(steps) > 2 \
                else None
            if not isinstance(out, str):
                return Unresolved(f"the outputs of module.{steps[0]}")
            return _walk(self._output(join_path(module_path, f"module.{steps[0]}"), out), rest)
        if name == "count" and names[:1] == ["index"]:
            index = scope.get("\x00index")
            return index if isinstance(index, int) else Unresolved("count.index")
        if name == "each":
            return self._each(scope, names[0] if names else "")
        if name in ("path", "terraform", "self"):
            return Unresolved(f"{name}.{'.'.join(names)}")
        if name == "data" and len(steps) >= 2:
            return self._resource(module_path, f"data.{steps[0]}", str(steps[1]), steps[2:],
                                  scope)
        if steps and isinstance(steps[0], str):
            return self._resource(module_path, name, steps[0], steps[1:], scope)
        return Unresolved(f"{name}, which prodstack cannot read")

    def _variable(self, module_path: str, name: str) -> Any:
        if not module_path:
            variables = self.plan.data.get("variables") or {}
            entry = variables.get(name) if isinstance(variables, dict) else None
            if isinstance(entry, dict) and "value" in entry:
                return entry["value"]
            module = self._module("")
            default = module.variables.get(name) if module else None
            return self.evaluator.eval(default, {}) if default is not None else \
                Unresolved(f"var.{name}")
        parent, _, call = module_path.rpartition(".module.")
        call = call if parent else module_path.removeprefix("module.")
        module = self._module(parent)
        if module is not None and call in module.calls:
            written = module.calls[call].attrs.get(name)
            if written is not None:
                return self.evaluator.eval(written, {"\x00module": parent})
            child = self._module(module_path)
            default = child.variables.get(name) if child else None
            return self.evaluator.eval(default, {"\x00module": module_path}) \
                if default is not None else None
        return self._plan_input(parent, call, name)

    def _plan_input(self, parent: str, call: str, name: str) -> Any:
        """A module input from the plan's configuration: a constant, or the default."""
        entry = self._plan_call(parent, call)
        written = (entry.get("expressions") or {}).get(name)
        if isinstance(written, dict):
            if "constant_value" in written:
                return written["constant_value"]
            return Unresolved(f"the input {name} of module.{call}, an expression the plan "
                              "does not keep")
        declared = ((entry.get("module") or {}).get("variables") or {}).get(name)
        return declared.get("default") if isinstance(declared, dict) else None

    def _local(self, module_path: str, name: str) -> Any:
        module = self._module(module_path)
        if module is None or name not in module.locals:
            return Unresolved(f"local.{name} (a plan holds no locals)")
        key = (f"{module_path}/local", (name,))
        if key in self._active:
            return Unresolved(f"a cycle through local.{name}")
        self._active.add(key)
        try:
            return self.evaluator.eval(module.locals[name], {"\x00module": module_path})
        finally:
            self._active.discard(key)

    def _output(self, module_path: str, name: str) -> Any:
        module = self._module(module_path)
        if module is None or name not in module.outputs:
            return Unresolved(f"the output {name} of {module_path}")
        return self.evaluator.eval(module.outputs[name], {"\x00module": module_path})

    def _each(self, scope: Mapping[str, Any], what: str) -> Any:
        index = scope.get("\x00index")
        if what == "key":
            return index if index is not None else Unresolved("each.key")
        module = self._module(str(scope.get("\x00module", "")))
        body = module.blocks.get(str(scope.get("\x00block"))) if module else None
        tree: Tree | None = body.attrs.get("for_each") if body else None
        if tree is None or index is None:
            return Unresolved("each.value")
        collection = self.evaluator.eval(tree, scope)
        if isinstance(collection, list):  # a set of strings: value = key
            return index
        return step(collection, str(index))

    def _resource(self, module_path: str, type_: str, name: str, steps: list[Any],
                  scope: Mapping[str, Any]) -> Any:
        key = join_path(module_path, f"{type_}.{name}")
        instances = data_instances(self.plan).get(key, []) if type_.startswith("data.") \
            else self.plan.instances(key)
        if steps and isinstance(steps[0], Key):
            wanted = steps[0].value
            instances = [r for r in instances if r.index == wanted]
            steps = steps[1:]
        elif len(instances) > 1:
            same = [r for r in instances if r.index == scope.get("\x00index")]
            instances = same or instances
        if len(instances) != 1:
            why = "is not in the plan" if not instances else \
                f"has {len(instances)} instances"
            return Unresolved(f"{key}, which {why}")
        if not steps or not isinstance(steps[0], str):
            return Unresolved(f"{key} as a whole")
        return _walk(self.attribute(instances[0], steps[0]), steps[1:])

    # -- aws_iam_policy_document -------------------------------------------------------------

    def _policy_json(self, ds: Resource) -> Any:
        body = self._body(ds)
        if body is None:
            return Unresolved(f"{ds.address} (its statements: the plan's)")
        return self._guarded(ds, ("json",), lambda: self._document(ds, body))

    def _document(self, ds: Resource, body: Body) -> Any:
        scope = self._scope(ds)
        ev = self.evaluator.eval
        if any(t == "dynamic" for t, _, _ in body.blocks):
            return Unresolved(f"the dynamic blocks of {ds.address}")
        statements: list[Any] = []
        for source_attr in ("source_policy_documents", "source_json"):
            if source_attr in body.attrs:
                statements += _statements(ev(body.attrs[source_attr], scope))
        for inner in body.children("statement"):
            statements.append(self._statement(inner, scope))
        for override_attr in ("override_policy_documents", "override_json"):
            if override_attr in body.attrs:
                for st in _statements(ev(body.attrs[override_attr], scope)):
                    sid = st.get("Sid") if isinstance(st, dict) else None
                    statements = [s for s in statements
                                  if not (sid and isinstance(s, dict) and s.get("Sid") == sid)]
                    statements.append(st)
        return Encoded({"Version": "2012-10-17", "Statement": statements})

    def _statement(self, body: Body, scope: Mapping[str, Any]) -> Any:
        ev = self.evaluator.eval
        if any(t == "dynamic" for t, _, _ in body.blocks):
            return Unresolved("a statement with dynamic blocks")
        out: dict[str, Any] = {"Effect": ev(body.attrs["effect"], scope)
                               if "effect" in body.attrs else "Allow"}
        if "sid" in body.attrs:
            out["Sid"] = ev(body.attrs["sid"], scope)
        for attr, key in (("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if attr in body.attrs:
                out[key] = ev(body.attrs[attr], scope)
        for block, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            found: dict[str, Any] = {}
            for inner in body.children(block):
                kind = ev(inner.attrs.get("type", ("lit", None)), scope)
                ids = ev(inner.attrs.get("identifiers", ("tuple", ())), scope)
                if not isinstance(kind, str):
                    return Unresolved("a principal type known after apply")
                if kind == "*":
                    found = "*"  # type: ignore[assignment]
                    break
                before = found.get(kind, [])
                found[kind] = before + ids if isinstance(before, list) and \
                    isinstance(ids, list) else Unresolved("principals known after apply")
            if found:
                out[key] = found
        conditions: dict[str, Any] = {}
        for inner in body.children("condition"):
            test = ev(inner.attrs.get("test", ("lit", None)), scope)
            variable = ev(inner.attrs.get("variable", ("lit", None)), scope)
            if not isinstance(test, str) or not isinstance(variable, str):
                return Unresolved("a condition known after apply")
            conditions.setdefault(test, {})[variable] = ev(
                inner.attrs.get("values", ("tuple", ())), scope)
        if conditions:
            out["Condition"] = conditions
        return out


def _statements(value: Any) -> list[Any]:
    """The statements of policy documents given as JSON (strings, `jsonencode`, lists)."""
    import json

    docs = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for doc in docs:
        if isinstance(doc, Encoded):
            doc = doc.value
        elif isinstance(doc, str) and HOLE not in doc:
            try:
                doc = json.loads(doc)
            except ValueError:
                continue
        if isinstance(doc, dict):
            found = doc.get("Statement", [])
            out += found if isinstance(found, list) else [found]
        elif isinstance(doc, Unknown):
            out.append(doc)
    return out


def _walk(value: Any, steps: list[Any]) -> Any:
    for item in steps:
        value = step(value, item)
    return value
