"""The Redactor: policy + detector + operators + audit, wired once. What every skin calls.

    Redactor ── Detector (detector.py: engine + recognizers + resolver) ── spans
             └─ operators (exporters/operators) ── redacted text + findings
             └─ AuditWriter (exporters/audit) ── one chained record per document

The CLI, the Presidio adapter and any service or batch runner are thin layers over this
class: they build one Redactor per policy (`Redactor.from_policy`) and call `analyze_many` /
`redact_many` / `aredact_many`. One Redactor may be shared by many threads. Detection is
batched: a whole batch of documents goes to the model in one engine call.

Fail closed: if detection fails for a document (the model or a recognizer raises), the
Redactor never hands the text back as if it were clean. It raises DetectionError, or, with
on_error="redact_all", returns a result whose whole text is a placeholder.

Built to fail early: recognizers and every action's operator are constructed with their
parameters when the Redactor is, and a policy whose actions need a key (hash, pseudonymize,
encrypt) gets its key then too (OperatorError before any document, never at the first finding).

Audit records are written only for results that exist: after every document of a
`redact_many` call has been redacted (an error that stops the call leaves no record), or,
with `defer_audit=True`, when the caller says the output is safely written
(`write_audit(result, document_id)`), so that a failed write leaves no record of a file that
does not exist. Results carry a keyed digest of the input (`input_hmac`), never an unkeyed one.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .detector import Detector, ModelFailure
from .engine.base import Engine
from .errors import DetectionError, InputError, JPTRedactError, ModelError, OperatorError
from .exporters.audit.log import AuditWriter
from .exporters.operators.apply import apply_operators, build_operators, new_context, operators_needing_key
from .findings import AnalysisResult, RedactionResult, Span
from .keys import NO_KEY_MESSAGE, KeyProvider

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


def validate_policy(policy: "Policy") -> None:
    """Build everything a Redactor builds from a policy before its first document: the
    recognizers (unknown plugins, bad validators) and every action's operator (bad parameters).
    The Redactor does exactly this when constructed; `jpt-redact policy validate` calls it.
    The model is not loaded."""
    _build(policy, engine=None, use_model=False)


def _build(policy: "Policy", *, engine: Engine | None, use_model: bool) -> Detector:
    detector = Detector(policy, engine=engine, use_model=use_model)
    build_operators(policy)
    return detector


@dataclass(frozen=True)
class _Pending:
    """A result waiting for its audit record (redact_many writes them once the call succeeded)."""

    result: RedactionResult
    document_id: str | None


class Redactor:
    """Finds and redacts PII in text according to a Policy.

    Build one with `Redactor.from_policy("hipaa")` and reuse it: the model loads once, on
    first use, and the instance is safe to share between threads.
    """

    def __init__(
        self,
        policy: "Policy",
        *,
        engine: Engine | None = None,
        use_model: bool = True,
        keys: KeyProvider | None = None,
        audit_path: str | Path | None = None,
        on_error: OnError | None = None,
    ) -> None:
        if on_error not in (None, "raise", "redact_all"):
            raise ValueError("on_error must be 'raise' or 'redact_all'")
        self.policy = policy
        self.on_error: OnError = on_error or policy.defaults.on_error
        # config errors (recognizers, operator parameters) surface now, before any document
        self.detector = _build(policy, engine=engine, use_model=use_model)
        self.use_model = self.detector.use_model
        self._keys = keys
        self._keys_lock = threading.Lock()
        # Shared by every document's OperatorContext, so pseudonyms stay stable across a run;
        # operators take ctx.run_lock before touching it.
        self._run_state: dict = {}
        if audit_path is None and policy.audit.enabled and policy.audit.path:
            audit_path = policy.audit.path
        self.audit_path = Path(audit_path) if audit_path is not None else None
        self._audit_writer: AuditWriter | None = None
        self._audit_lock = threading.Lock()
        keyed = operators_needing_key(policy)
        if keyed and not self.keys.has_key:
            raise OperatorError(f"{NO_KEY_MESSAGE} (the policy's actions {', '.join(keyed)} need a key; "
                                f"{policy.audit.hash_key_env} is not set)")

    @classmethod
    def from_policy(
        cls,
        policy: "str | Path | Policy",
        *,
        engine: Engine | None = None,
        use_model: bool = True,
        keys: KeyProvider | None = None,
        audit_path: str | Path | None = None,
        on_error: OnError | None = None,
    ) -> "Redactor":
        """Build a Redactor from a built-in policy name, a YAML path, or a Policy.

        engine: a loaded engine (engine/base.py: Engine); None loads `policy.model` lazily on first use.
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
    def engine(self) -> Engine | None:
        """The engine, loaded on first access (ModelError if it cannot be loaded)."""
        return self.detector.engine

    @property
    def recognizers(self) -> tuple[Any, ...]:
        """The policy's pattern, checksum and list recognizers, built once at construction."""
        return self.detector.recognizers

    @property
    def model_id(self) -> str:
        engine = self.engine
        return engine.model_id if engine is not None else PATTERNS_ONLY_MODEL_ID

    @property
    def keys(self) -> KeyProvider:
        if self._keys is None:
            with self._keys_lock:
                if self._keys is None:
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
            detected = self.detector.detect(texts)
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

    def _detection_failure(self, index: int, exc: BaseException, count: int = 1) -> DetectionError:
        cause = exc.cause if isinstance(exc, ModelFailure) else exc
        where = "model" if isinstance(exc, (ModelFailure, ModelError)) else "recognizers"
        # JPTRedactError messages are PII-free by contract; other exceptions may quote text, so
        # only their type is shown.
        detail = str(cause) if isinstance(cause, JPTRedactError) else type(cause).__name__
        docs = f"document {index}" if count == 1 else f"documents {index}-{index + count - 1}"
        log.warning("detection failed for %s in %s: %s", docs, where, type(cause).__name__)
        # not chained to `cause`: its message (and traceback locals) may quote the document
        return DetectionError(f"detection failed for {docs} ({where}: {detail}); not redacted",
                              document_index=index, reason=f"{where}: {detail}", cause_type=type(cause).__name__)

    # -- redaction ---------------------------------------------------------------------------
    def redact(self, text: str, *, document_id: str | None = None, defer_audit: bool = False) -> RedactionResult:
        """Redact one text. Raises DetectionError unless on_error='redact_all'."""
        return self.redact_many([text], document_ids=None if document_id is None else [document_id],
                                defer_audit=defer_audit)[0]

    def redact_many(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        document_ids: Sequence[str] | None = None,
        return_exceptions: bool = False,
        defer_audit: bool = False,
    ) -> list[RedactionResult]:
        """Redact many texts with batched detection.

        With return_exceptions=True a document whose detection or redaction failed yields its
        DetectionError (or OperatorError, ...) in place of a result (as asyncio.gather does),
        so one bad document does not stop the others; nothing is ever returned unredacted.

        Audit records (with an audit log) are written when every document is done, and only
        for results; defer_audit=True writes none: call `write_audit(result, document_id)`
        once each output is safely stored.
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
        pending: list[_Pending] = []
        for i, (text, analysis) in enumerate(zip(texts, analyses)):
            doc_id = document_ids[i] if document_ids is not None else None
            if isinstance(analysis, DetectionError):
                if self.on_error == "redact_all":
                    out.append(self._finish(text, WHOLE_DOCUMENT_PLACEHOLDER, (), whole=True))
                    pending.append(_Pending(out[-1], doc_id))
                else:
                    out.append(analysis)
                continue
            try:
                out.append(self._apply(text, analysis.spans))
            except JPTRedactError as exc:
                if not return_exceptions:
                    raise  # nothing of this call is audited
                out.append(exc)
                continue
            pending.append(_Pending(out[-1], doc_id))
        if not defer_audit:
            for p in pending:
                self.write_audit(p.result, p.document_id)
        return out

    def _apply(self, text: str, spans: tuple[Span, ...]) -> RedactionResult:
        if not spans:
            return self._finish(text, text, ())
        ctx = new_context(keys=self.keys, run_state=self._run_state)
        redacted, findings = apply_operators(text, spans, self.policy, ctx)
        return self._finish(text, redacted, tuple(findings))

    def _finish(self, text: str, redacted: str, findings: tuple, whole: bool = False) -> RedactionResult:
        keys = self.keys
        return RedactionResult(
            text=redacted,
            findings=findings,
            policy_name=self.policy.name,
            policy_version=self.policy.version,
            input_hmac=keys.input_digest(text.encode("utf-8")) if keys.has_key else None,
            output_sha256=_sha256(redacted.encode("utf-8")),
            whole_document_redacted=whole,
        )

    def write_audit(self, result: RedactionResult, document_id: str | None = None) -> None:
        """Append the audit record of one result (no-op without an audit log). redact_many
        calls this unless told to defer; a caller that defers calls it after the output is
        stored, once per result."""
        if self.audit_path is None:
            return
        with self._audit_lock:
            if self._audit_writer is None:
                self._audit_writer = AuditWriter(self.audit_path, self.keys)
            self._audit_writer.write(
                document_id=document_id,
                input_hmac=result.input_hmac,
                output_sha256=result.output_sha256,
                findings=result.findings,
                policy=self.policy,
                model_id=self._audit_model_id(),
            )

    def _audit_model_id(self) -> str:
        if not self.use_model:
            return PATTERNS_ONLY_MODEL_ID
        return getattr(self.detector.loaded_engine, "model_id", "unavailable")  # never trigger a load for the log

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
        defer_audit: bool = False,
    ) -> list[RedactionResult]:
        return await asyncio.to_thread(
            self.redact_many, texts, batch_size=batch_size, document_ids=document_ids,
            return_exceptions=return_exceptions, defer_audit=defer_audit,
        )

    def __repr__(self) -> str:
        return f"Redactor(policy={self.policy.name!r}, use_model={self.use_model}, on_error={self.on_error!r})"
