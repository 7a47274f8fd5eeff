"""The Detector (jpt_redact.detector): engine + recognizers + resolver, candidates once, spans at any thresholds."""
from __future__ import annotations

import pytest
from conftest import FailingEngine, FakeEngine

from jpt_redact.detector import Detector, ModelFailure
from jpt_redact.errors import ModelError

TEXTS = ["Alice Smith wrote to bob@example.com from Paris.", "", "nothing here"]


def test_candidates_run_the_model_once_and_resolve_at_any_thresholds(test_policy):
    engine = FakeEngine()
    detector = Detector(test_policy, engine=engine)
    found = detector.candidates(TEXTS)
    assert engine.calls == [2]  # the non-empty texts, in one call
    assert found[1].model is None and found[1].recognized == ()
    assert [s.recognizer for s in found[0].recognized] == ["pattern:test_email"]

    def labels(thresholds=None):
        return [s.label for s in detector.resolve(found[0], thresholds)]

    assert labels() == ["PERSON", "EMAIL", "CITY"]
    assert labels({"PERSON": 0.95}) == ["EMAIL", "CITY"]  # above the fake model's 0.9
    assert labels({"PERSON": 0.95, "CITY": 0.95}) == ["EMAIL"]  # patterns have no threshold
    assert engine.calls == [2]  # resolving again never re-runs the model
    assert detector.detect(TEXTS) == [detector.resolve(f) for f in found]


def test_thresholds_not_given_are_the_policys(test_policy):
    tuned = test_policy.model_copy(update={"entities": {
        k: e.model_copy(update={"threshold": 0.95}) if k == "CITY" else e for k, e in test_policy.entities.items()}})
    detector = Detector(tuned, engine=FakeEngine())
    (found,) = detector.candidates(TEXTS[:1])
    assert [s.label for s in detector.resolve(found, {"PERSON": 0.5})] == ["PERSON", "EMAIL"]


def test_without_the_model_only_recognizers_run(test_policy):
    engine = FakeEngine()
    detector = Detector(test_policy, engine=engine, use_model=False)
    assert detector.engine is None and detector.loaded_engine is None
    assert [s.label for s in detector.detect(TEXTS)[0]] == ["EMAIL"]
    assert engine.calls == []


def test_engine_failures_are_model_failures_with_their_cause(test_policy):
    detector = Detector(test_policy, engine=FailingEngine(exc_type=KeyError))
    with pytest.raises(ModelFailure) as info:
        detector.candidates(TEXTS)
    assert isinstance(info.value.cause, KeyError)

    class WrongCount(FakeEngine):
        def score(self, texts, types, *, batch_size=None):
            return super().score(texts, types)[:-1]

    with pytest.raises(ModelFailure, match="RuntimeError"):
        Detector(test_policy, engine=WrongCount()).candidates(TEXTS)


def test_decoding_failures_are_model_failures(test_policy):
    class BadScores:
        def spans(self, thresholds, *, nested=False, span_extension=1.0):
            raise ValueError("cannot decode")

    class BadEngine(FakeEngine):
        def score(self, texts, types, *, batch_size=None):
            return [BadScores() for _ in texts]

    detector = Detector(test_policy, engine=BadEngine())
    found = detector.candidates(TEXTS)  # scoring worked ...
    with pytest.raises(ModelFailure):
        detector.resolve(found[0])  # ... turning scores into spans did not


def test_the_engine_loads_on_first_use_only(monkeypatch, test_policy):
    import jpt_redact.engine.loader as loader

    loads = []
    monkeypatch.setattr(loader, "load_engine", lambda settings=None: loads.append(settings) or FakeEngine())
    detector = Detector(test_policy)
    assert detector.loaded_engine is None and loads == []
    assert detector.engine is detector.engine and len(loads) == 1
    assert detector.loaded_engine is detector.engine

    def broken(settings=None):
        raise OSError("disk")

    monkeypatch.setattr(loader, "load_engine", broken)
    with pytest.raises(ModelError, match="OSError"):
        Detector(test_policy).engine
