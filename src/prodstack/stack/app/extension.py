"""Python extensions: `extend = "module:function"` in the settings, called as `extend(stack)`.

`build` calls it after the parts (and the outputs) are built and before the target adjusts
the document, so an extension sees prodstack's parts (`stack.part("network").vpc`) and its
document (`stack.doc.resource(…)`, `stack.doc.body_of(…)`, `stack.doc.remove(…)`), and what it
adds is adjusted for the target like everything else. The module is imported from the current
folder, then the settings file's folder, then the Python path. Whatever goes wrong (the import,
a missing function, an exception in it) is one line naming the extension, exit 2.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodstack.core.errors import UserError

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.stack.built import Stack


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def _search_path(folders: list[str]) -> Iterator[None]:
    """The folders first on `sys.path` while the extension is imported."""
    saved = list(sys.path)
    sys.path[:0] = [f for f in dict.fromkeys(folders) if f]
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved


def load(ref: str, folders: list[str]) -> Callable[[Stack], Any]:
    """The function `ref` ("module:function") names (call it inside `_search_path`)."""
    module_name, _, function = ref.partition(":")
    where = ", ".join(folders) or "the Python path"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        if module_name == missing or module_name.startswith(missing + "."):
            raise UserError(f"extension {ref!r}: no module {missing!r} in {where} or the "
                            "Python path", exit_code=2) from None
        raise UserError(f"extension {ref!r}: importing {module_name} failed: "
                        f"{_one_line(exc)}", exit_code=2) from None
    except Exception as exc:  # the user's module: anything may go wrong in it
        raise UserError(f"extension {ref!r}: importing {module_name} failed: "
                        f"{_one_line(exc)}{_at(exc)}", exit_code=2) from None
    func = getattr(module, function, None)
    if func is None:
        raise UserError(f"extension {ref!r}: {module_name} has no function {function!r}",
                        exit_code=2)
    if not callable(func):
        raise UserError(f"extension {ref!r}: {module_name}.{function} is not a function",
                        exit_code=2)
    return func  # type: ignore[no-any-return]


def _at(exc: BaseException) -> str:
    """Where in the user's code an exception was raised: ` (at stack.py:12)`."""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) or not frames:
        return ""
    last = frames[-1]
    return f" (at {Path(last.filename).name}:{last.lineno})"


def run(settings: Settings, stack: Stack) -> None:
    """Call the settings' extension on the built stack (nothing without `extend`)."""
    if not settings.extend:
        return
    folders = [os.getcwd(), *([settings.config_dir] if settings.config_dir else [])]
    with _search_path(folders):  # also while it runs: it may import more of its own
        func = load(settings.extend, folders)
        try:
            func(stack)
        except UserError as exc:
            raise UserError(f"extension {settings.extend!r} failed: {exc}", exit_code=2
                            ) from None
        except Exception as exc:  # the user's code: one line, never a traceback
            raise UserError(f"extension {settings.extend!r} failed: {_one_line(exc)}"
                            f"{_at(exc)}", exit_code=2) from None
