"""The Redactor: policy + recognizers + JPT model + resolver + operators + audit, wired once.

One Redactor may be shared by many threads. Detection is batched: `analyze_many` and
`redact_many` send a whole batch of documents to the model in one `predict` call.

Fail closed: if detection fails for a document (the model or a recognizer raises), the
Redactor never hands the text back as if it were clean. It raises DetectionError, or, with
on_error="redact_all", returns a result whose whole text is a placeholder.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import DetectionError, InputError, JPTRedactError, ModelError
from .findings import AnalysisResult, RedactionResult, Span

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy

log = logging.getLogger(__name__)

OnError = Literal["raise", "redact_all"]
WHOLE_DOCUMENT_PLACEHOLDER = "[REDACTED: detection failed]"
DEFAULT_DOCS_PER_CALL = 32
PATTERNS_ONLY_MODEL_ID = "none (patterns only)"


def check_text(text: Any, where: str = "text") -> bytes:
    """Validate one input and return its UTF-8 bytes (used for the sha256 digests)."""
    if not isinstance(text, str):
        raise InputError(f"{where}: expected str, got {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{where}: lone surrogate at character offset {exc.start} (not valid Unicode text)") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Redactor:
    """Finds and redacts PII in text according to a Policy.

    Build one with `Redactor.from_policy("hipaa")` and reuse it: the model loads once, on
    first use, and the instance is safe to share between threads.
    """

    def __init__(
        self,
        policy: "Policy",
        *,
        engine: Any = None,
        use_model: bool = True,
        keys: Any = None,
        audit_path: str | Path | None = None,
        on_error: OnError | None = None,
    ) -> None:
        from .recognizer import build_recognizers

        if on_error not in (None, "raise", "redact_all"):
            raise ValueError("on_error must be 'raise' or 'redact_all'")
        self.policy = policy
        self.on_error: OnError = on_error or policy.defaults.on_error
        self.use_model = bool(use_model) and bool(policy.model_types())
        self._engine = engine
        self._engine_lock = threading.Lock()
        self._recognizers = build_recognizers(policy)  # config errors surface now, before any document
        self._model_types = policy.model_types()
        self._thresholds = {label: policy.threshold_for(label) for label in self._model_types}
        extension = {label: policy.span_extension_for(label) for label in self._model_types}
        # passed only when some type grows, so engines written before span_extension keep working
        self._extension_kwargs = {"span_extension": extension} if any(v < 1.0 for v in extension.values()) else {}
        self._keys = keys
        self._keys_lock = threading.Lock()
        # Shared by every document's OperatorContext, so pseudonyms stay stable across a run;
        # operators take ctx.run_lock before touching it.
        self._run_state: dict = {}
        if audit_path is None and policy.audit.enabled and policy.audit.path:
            audit_path = policy.audit.path
        self.audit_path = Path(audit_path) if audit_path is not None else None
        self._audit_writer: Any = None
        self._audit_lock = threading.Lock()

    @classmethod
    def from_policy(
        cls,
        policy: "str | Path | Policy",
        *,
        engine: Any = None,
        use_model: bool = True,
        keys: Any = None,
        audit_path: str | Path | None = None,
        on_error: OnError | None = None,
    ) -> "Redactor":
        """Build a Redactor from a built-in policy name, a YAML path, or a Policy.

        engine: a loaded JPT engine; None loads `policy.model` lazily on first use.
        use_model: False runs only pattern, checksum and list recognizers.
        keys: a KeyProvider for hash/encrypt/pseudonymize and the audit log; None reads the
            environment variable named by `policy.audit.hash_key_env` when a key is needed.
        audit_path: write one chained audit record per document to this JSONL file.
        on_error: "raise" (DetectionError) or "redact_all"; None takes policy.defaults.on_error.
        """
        from .policy import load_policy

        return cls(
            load_policy(policy), engine=engine, use_model=use_model, keys=keys, audit_path=audit_path, on_error=on_error
        )

    # -- lazily built parts ------------------------------------------------------------------
    @property
    def engine(self) -> Any:
        """The JPT engine, loaded on first access (ModelError if it cannot be loaded)."""
        if not self.use_model:
            return None
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    from .model.engine import load_engine

                    try:
                        self._engine = load_engine(self.policy.model)
                    except JPTRedactError:
                        raise
                    except Exception as exc:
                        raise ModelError(f"cannot load the JPT model ({type(exc).__name__})") from exc
        return self._engine

    @property
    def recognizers(self) -> tuple[Any, ...]:
        """The policy's pattern, checksum and list recognizers, built once at construction."""
        return tuple(self._recognizers)

    @property
    def model_id(self) -> str:
        return self.engine.model_id if self.use_model else PATTERNS_ONLY_MODEL_ID

    @property
    def keys(self) -> Any:
        if self._keys is None:
            with self._keys_lock:
                if self._keys is None:
                    from .exporters.keys import KeyProvider

                    self._keys = KeyProvider.from_env(self.policy.audit.hash_key_env)
        return self._keys

    # -- analysis ----------------------------------------------------------------------------
    def analyze(self, text: str) -> AnalysisResult:
        """Resolved spans for one text (no redaction). Raises DetectionError on failure."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str], batch_size: int | None = None) -> list[AnalysisResult]:
        """Resolved spans for many texts; one model call per `batch_size` documents."""
        results = self._analyze_all(texts, batch_size, isolate=False)
        for r in results:
            if isinstance(r, DetectionError):
                raise r
        return results  # type: ignore[return-value]

    def _analyze_all(
        self, texts: Sequence[str], batch_size: int | None, *, isolate: bool
    ) -> list[AnalysisResult | DetectionError]:
        """Analyses in input order; a document whose detection failed gets its DetectionError.

        isolate=True retries a failed batch one document at a time, so only the documents that
        really fail are lost; without it the whole batch fails at once (the caller raises anyway).
        """
        if isinstance(texts, str):
            raise InputError("texts: expected a sequence of str, got a single str (use analyze())")
        texts = list(texts)
        for i, t in enumerate(texts):
            check_text(t, f"document {i}")
        step = batch_size or DEFAULT_DOCS_PER_CALL
        if step < 1:
            raise ValueError("batch_size must be >= 1")
        out: list[AnalysisResult | DetectionError] = []
        for lo in range(0, len(texts), step):
            batch = self._analyze_batch(texts[lo : lo + step], offset=lo, isolate=isolate)
            out.extend(batch)
            if not isolate and any(isinstance(r, DetectionError) for r in batch):
                break  # the caller raises: do not spend time on the rest
        return out

    def _analyze_batch(self, texts: list[str], offset: int, isolate: bool) -> list[AnalysisResult | DetectionError]:
        try:
            detected = self._detect(texts)
        except ModelError as exc:
            # The model cannot be loaded: a setup problem, raised as such unless the caller
            # asked for whole-document redaction whatever happens.
            if self.on_error != "redact_all":
                raise
            return [self._detection_failure(offset + i, exc) for i in range(len(texts))]
        except Exception as exc:
            if len(texts) == 1:
                return [self._detection_failure(offset, exc)]
            if not isolate:
                return [self._detection_failure(offset, exc, count=len(texts))]
            # One bad document must not fail its neighbours: retry one at a time to isolate it.
            return [r for i, t in enumerate(texts) for r in self._analyze_batch([t], offset + i, isolate)]
        return [AnalysisResult(len(t), spans) for t, spans in zip(texts, detected)]

    def _detect(self, texts: list[str]) -> list[tuple[Span, ...]]:
        from .recognizer import run_recognizers
        from .resolver import resolve

        nonempty = [i for i, t in enumerate(texts) if t]
        model_spans: dict[int, list[Span]] = {}
        if self.use_model and nonempty:
            engine = self.engine  # ModelError propagates: it is a setup problem, not this document's
            try:
                predicted = engine.predict(
                    [texts[i] for i in nonempty],
                    self._model_types,
                    self._thresholds,
                    nested=self.policy.model.nested,
                    **self._extension_kwargs,
                )
            except Exception as exc:
                raise _EngineFailure(exc) from exc
            if len(predicted) != len(nonempty):
                raise _EngineFailure(RuntimeError("engine returned a result count that does not match the input"))
            model_spans = {i: list(s) for i, s in zip(nonempty, predicted)}
        resolved = []
        for i, text in enumerate(texts):
            if not text:
                resolved.append(())
                continue
            candidates = model_spans.get(i, []) + run_recognizers(text, self._recognizers)
            resolved.append(tuple(resolve(text, candidates, self.policy)))
        return resolved

    def _detection_failure(self, index: int, exc: BaseException, count: int = 1) -> DetectionError:
        cause = exc.cause if isinstance(exc, _EngineFailure) else exc
        where = "model" if isinstance(exc, (_EngineFailure, ModelError)) else "recognizers"
        # JPTRedactError messages are PII-free by contract; other exceptions may quote text, so
        # only their type is shown.
        detail = str(cause) if isinstance(cause, JPTRedactError) else type(cause).__name__
        docs = f"document {index}" if count == 1 else f"documents {index}-{index + count - 1}"
        log.warning("detection failed for %s in %s: %s", docs, where, type(cause).__name__)
        err = DetectionError(f"detection failed for {docs} ({where}: {detail}); not redacted")
        err.__cause__ = cause
        err.document_index = index  # type: ignore[attr-defined]
        err.reason = f"{where}: {detail}"  # type: ignore[attr-defined]
        return err

    # -- redaction ---------------------------------------------------------------------------
    def redact(self, text: str, *, document_id: str | None = None) -> RedactionResult:
        """Redact one text. Raises DetectionError unless on_error='redact_all'."""
        return self.redact_many([text], document_ids=None if document_id is None else [document_id])[0]

    def redact_many(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        document_ids: Sequence[str] | None = None,
        return_exceptions: bool = False,
    ) -> list[RedactionResult]:
        """Redact many texts with batched detection.

        With return_exceptions=True a document whose detection failed yields its
        DetectionError in place of a result (as asyncio.gather does), so one bad document
        does not stop the others; nothing is ever returned unredacted.
        """
        texts = list(texts) if not isinstance(texts, str) else texts
        if document_ids is not None and len(document_ids) != len(texts):
            raise InputError(f"document_ids: {len(document_ids)} ids for {len(texts)} texts")
        keep_going = return_exceptions or self.on_error == "redact_all"
        analyses = self._analyze_all(texts, batch_size, isolate=keep_going)
        if not keep_going:
            for analysis in analyses:
                if isinstance(analysis, DetectionError):
                    raise analysis  # before any document is redacted or audited
        out: list[Any] = []
        for i, (text, analysis) in enumerate(zip(texts, analyses)):
            doc_id = document_ids[i] if document_ids is not None else None
            if isinstance(analysis, DetectionError):
                if self.on_error == "redact_all":
                    out.append(self._finish(text, WHOLE_DOCUMENT_PLACEHOLDER, (), doc_id, whole=True))
                else:
                    out.append(analysis)
                continue
            out.append(self._apply(text, analysis.spans, doc_id))
        return out

    def _apply(self, text: str, spans: tuple[Span, ...], doc_id: str | None) -> RedactionResult:
        if not spans:
            return self._finish(text, text, (), doc_id)
        from .exporters.apply import apply_operators, new_context

        ctx = new_context(keys=self.keys, run_state=self._run_state)
        redacted, findings = apply_operators(text, spans, self.policy, ctx)
        return self._finish(text, redacted, tuple(findings), doc_id)

    def _finish(self, text: str, redacted: str, findings: tuple, doc_id: str | None, whole: bool = False) -> RedactionResult:
        result = RedactionResult(
            text=redacted,
            findings=findings,
            policy_name=self.policy.name,
            policy_version=self.policy.version,
            input_sha256=_sha256(text.encode("utf-8")),
            output_sha256=_sha256(redacted.encode("utf-8")),
            whole_document_redacted=whole,
        )
        if self.audit_path is not None:
            self._audit(text, result, doc_id)
        return result

    def _audit(self, text: str, result: RedactionResult, doc_id: str | None) -> None:
        with self._audit_lock:
            if self._audit_writer is None:
                from .exporters.audit import AuditWriter

                self._audit_writer = AuditWriter(self.audit_path, self.keys)
            self._audit_writer.write(
                document_id=doc_id or result.input_sha256[:16],
                input_text=text,
                output_text=result.text,
                findings=result.findings,
                policy=self.policy,
                model_id=self._audit_model_id(),
            )

    def _audit_model_id(self) -> str:
        if not self.use_model:
            return PATTERNS_ONLY_MODEL_ID
        return getattr(self._engine, "model_id", "unavailable")  # never trigger a load for the log

    def close(self) -> None:
        """Close the audit log, if one is open. The Redactor stays usable (it reopens on demand)."""
        with self._audit_lock:
            writer, self._audit_writer = self._audit_writer, None
        if writer is not None and hasattr(writer, "close"):
            writer.close()

    def __enter__(self) -> "Redactor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- async -------------------------------------------------------------------------------
    async def aanalyze(self, text: str) -> AnalysisResult:
        return await asyncio.to_thread(self.analyze, text)

    async def aanalyze_many(self, texts: Sequence[str], batch_size: int | None = None) -> list[AnalysisResult]:
        return await asyncio.to_thread(self.analyze_many, texts, batch_size)

    async def aredact(self, text: str, *, document_id: str | None = None) -> RedactionResult:
        return await asyncio.to_thread(self.redact, text, document_id=document_id)

    async def aredact_many(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        document_ids: Sequence[str] | None = None,
        return_exceptions: bool = False,
    ) -> list[RedactionResult]:
        return await asyncio.to_thread(
            self.redact_many, texts, batch_size=batch_size, document_ids=document_ids, return_exceptions=return_exceptions
        )

    def __repr__(self) -> str:
        return f"Redactor(policy={self.policy.name!r}, use_model={self.use_model}, on_error={self.on_error!r})"


class _EngineFailure(Exception):
    """Marks an exception raised inside engine.predict (as opposed to a recognizer)."""

    def __init__(self, cause: BaseException):
        super().__init__(type(cause).__name__)
        self.cause = cause
