"""One parameter list for ReplyOnPause and the handlers built on it.

``ReplyOnStopWords`` and ``TranscribingReplyOnPause`` take everything
``ReplyOnPause`` takes, in fastrtc's positional order, plus a few of their
own. Writing the parent's dozen parameters out again in every subclass meant
three lists to keep in step; instead a subclass takes ``*args, **kwargs``
for the parent's part and :func:`inherit_parameters` gives its ``__init__``
the merged signature, so ``help()``, ``inspect.signature`` and editors that
read it show the real, complete list.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["inherit_parameters"]

_Cls = TypeVar("_Cls", bound=type)

_VAR = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def inherit_parameters(*, after: str) -> Callable[[_Cls], _Cls]:
    """Class decorator: the signature of ``cls.__init__`` with its base's parameters filled in.

    The subclass's own positional parameters follow the base's parameter
    ``after`` (``"fn"``: ``ReplyOnStopWords(fn, stop_words, startup_fn, ...)``);
    its ``*args`` stand for the base's remaining positional parameters and its
    ``**kwargs`` for the base's keyword-only ones, after which its own
    keyword-only parameters come. A name in both is an error: one would hide
    the other.
    """

    def decorate(cls: _Cls) -> _Cls:
        init = cls.__dict__["__init__"]
        base = inspect.signature(cls.__mro__[1].__init__)
        own = inspect.signature(init)
        names = list(base.parameters)
        if after not in names:
            raise TypeError(f"{cls.__name__}: the base has no parameter {after!r}")
        clash = set(names) & {p.name for p in own.parameters.values() if p.kind not in _VAR}
        clash -= set(names[: names.index(after) + 1])
        if clash:
            raise TypeError(f"{cls.__name__} repeats the base's parameters {sorted(clash)}")
        init.__signature__ = own.replace(parameters=_merge(base, own, after))
        return cls

    return decorate


def _merge(base: inspect.Signature, own: inspect.Signature, after: str) -> list[Any]:
    def kind(sig: inspect.Signature, *kinds: Any) -> list[inspect.Parameter]:
        return [p for p in sig.parameters.values() if p.kind in kinds]

    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    base_positional = kind(base, *positional)
    cut = [p.name for p in base_positional].index(after) + 1
    own_positional = kind(own, *positional)[cut:]
    return [
        *base_positional[:cut],
        *own_positional,
        *base_positional[cut:],
        *kind(base, inspect.Parameter.KEYWORD_ONLY),
        *kind(own, inspect.Parameter.KEYWORD_ONLY),
    ]
