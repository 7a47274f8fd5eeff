"""JPTEngine on tiny random Llama and Qwen3 backbones (tests/engine_fixtures.py): prefix
cache, batching, windows, threads, type-set caching, edge cases, errors, checkpoints."""
from __future__ import annotations

import dataclasses
import json
import threading

import numpy as np
import pytest
import torch

from engine_fixtures import (
    MARKER_LABEL,
    MARKER_WORD,
    TYPES,
    HashEncoder,
    make_backbone,
    make_engine,
    make_heads,
    marker_engine,
    one_torch_thread,
)
from jpt_redact.errors import CheckpointMismatchError, DetectionError, ModelError
from jpt_redact.engine.jpt import window_ranges
from jpt_redact.model.prompt import build_prompt, duplicated_suffix, tokenize_text
from jpt_redact.runtime.torch_backend import TorchBackend

KINDS = ["llama", "qwen3"]

TEXTS = [
    "Please call John Smith at 555-0100 tomorrow.",
    "Иван Петров живёт в Москве.",
    'He said "Alice" met Carol in Paris 😀\nthen left.',
    "ok",
    "The patient, Carol Jones, was seen at Springfield hospital on the second day; her phone "
    "number is (555) 123-4567 and her email is on the invoice.",
]


@pytest.fixture(scope="module", autouse=True)
def _single_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module", params=KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def backbone(kind):
    return make_backbone(kind)


@pytest.fixture(scope="module")
def engine(backbone):
    return make_engine(backbone=backbone)


@pytest.fixture(scope="module")
def markers(kind):
    return marker_engine(kind)


def probs_of(engine, texts, **kw) -> list[np.ndarray]:
    return [p for _, p in engine.token_probabilities(texts, TYPES, **kw)]


def max_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    assert [x.shape for x in a] == [y.shape for y in b]
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b) if x.size)


def reference_hidden(backbone, prefix_ids, text_ids) -> torch.Tensor:
    """One plain forward pass over prefix + text + bridge + text, no cache, no padding."""
    pieces = build_prompt(backbone.tokenizer, TYPES)
    suffix, second = duplicated_suffix(text_ids, pieces)
    with torch.inference_mode():
        out = backbone.model(input_ids=torch.tensor([list(prefix_ids) + suffix]))
    return out.last_hidden_state[0, len(prefix_ids) + second :]


# -- prefix cache ----------------------------------------------------------------------------------
def test_prefix_cache_matches_a_plain_forward_pass(backbone):
    cached = make_engine(backbone=backbone, use_prefix_cache=True)
    plain = make_engine(backbone=backbone, use_prefix_cache=False)
    prep_c, prep_p = cached.prepare(TYPES), plain.prepare(TYPES)
    assert prep_c.prefix.kv is not None and prep_p.prefix.kv is None
    assert prep_c.prefix.kv[0][0].shape[2] == len(prep_c.pieces.prefix_ids)
    toks = [tokenize_text(backbone.tokenizer, t) for t in TEXTS]
    suffixes, seconds = zip(*(duplicated_suffix(t.ids, prep_c.pieces) for t in toks))
    h_cached = cached.backend.suffix_hidden_states(prep_c.prefix, list(suffixes))
    h_plain = plain.backend.suffix_hidden_states(prep_p.prefix, list(suffixes))
    for row, (tok, second) in enumerate(zip(toks, seconds)):
        n = len(tok.ids)
        ref = reference_hidden(backbone, prep_c.pieces.prefix_ids, tok.ids)
        assert torch.allclose(h_cached[row, second : second + n], ref, atol=1e-4)
        assert torch.allclose(h_plain[row, second : second + n], ref, atol=1e-4)


def test_token_probabilities_agree_with_and_without_prefix_cache(backbone):
    cached = probs_of(make_engine(backbone=backbone, use_prefix_cache=True), TEXTS)
    plain = probs_of(make_engine(backbone=backbone, use_prefix_cache=False), TEXTS)
    assert max_diff(cached, plain) <= 1e-4
    # not a vacuous comparison: the probabilities vary from token to token
    assert np.concatenate(cached).std(0).min() > 1e-3


def test_the_prefix_really_conditions_the_states(backbone):
    """Different definitions -> different second-copy states (the cache is not ignored)."""
    engine = make_engine(backbone=backbone)
    other = {"PERSON": "Anything at all.", "CITY": "Nothing.", "PHONE": "Digits."}
    tok = tokenize_text(backbone.tokenizer, TEXTS[0])
    states = []
    for types in (TYPES, other):
        prep = engine.prepare(types)
        suffix, second = duplicated_suffix(tok.ids, prep.pieces)
        states.append(engine.backend.suffix_hidden_states(prep.prefix, [suffix])[0, second:])
    assert (states[0] - states[1]).abs().max() > 1e-3


# -- batching --------------------------------------------------------------------------------------
def test_batched_equals_one_by_one(engine):
    single = probs_of(engine, TEXTS, batch_size=1)
    batched = probs_of(engine, TEXTS, batch_size=8)
    assert max_diff(single, batched) <= 1e-4
    thr = {label: float(np.median(np.concatenate(single)[:, i])) for i, label in enumerate(TYPES)}
    a = engine.predict(TEXTS, TYPES, thr, batch_size=1)
    b = engine.predict(TEXTS, TYPES, thr, batch_size=8)
    assert [[(s.start, s.end, s.label) for s in x] for x in a] == [[(s.start, s.end, s.label) for s in x] for x in b]
    assert any(a)


def test_predict_for_one_text_equals_its_row_in_a_batch(markers):
    texts = ["a Quxley b", "nothing", f"call {MARKER_WORD} and {MARKER_WORD}."]
    batch = markers.predict(texts, TYPES)
    assert [markers.predict([t], TYPES)[0] for t in texts] == batch


# -- windows ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n,size,overlap,expected",
    [
        (0, 256, 32, [(0, 0)]),
        (1, 256, 32, [(0, 1)]),
        (256, 256, 32, [(0, 256)]),
        (257, 256, 32, [(0, 256), (224, 257)]),
        (10, 4, 1, [(0, 4), (3, 7), (6, 10)]),
        (11, 4, 1, [(0, 4), (3, 7), (6, 10), (9, 11)]),
        (10, 4, 0, [(0, 4), (4, 8), (8, 10)]),
        (5, 2, 2, [(0, 2), (1, 3), (2, 4), (3, 5)]),  # overlap >= size still advances
        (100, 40, 10, [(0, 40), (30, 70), (60, 100)]),
    ],
)
def test_window_ranges(n, size, overlap, expected):
    ranges = window_ranges(n, size, overlap)
    assert ranges == expected
    # every token is in some window, windows are at most `size` long and end at n
    assert ranges[-1][1] == n and all(e - s <= size for s, e in ranges)
    assert set().union(*(range(s, e) for s, e in ranges)) == set(range(n))


def _filler(n_words: int, seed: int) -> str:
    words = "the patient was seen at the hospital on the second day and the invoice number is on the order".split()
    rng = np.random.default_rng(seed)
    return " ".join(rng.choice(words, n_words))


def test_long_text_gets_a_probability_row_per_token(backbone):
    text = "\n\n".join(_filler(60, i) for i in range(12))
    size, overlap = 64, 16
    engine_w = make_engine(backbone=backbone, window_tokens=size, window_overlap=overlap)
    tok, probs = engine_w.token_probabilities([text], TYPES)[0]
    n = len(tok.ids)
    assert n > 5 * size
    assert probs.shape == (n, len(TYPES))
    assert (probs > 0).all()  # no row left at its initial zeros: nothing truncated

    # each row comes from a window that holds the token, and from the most central one
    prep = engine_w.prepare(TYPES)
    per_window = {}
    for s, e in window_ranges(n, size, overlap):
        suffix, second = duplicated_suffix(tok.ids[s:e], prep.pieces)
        h = engine_w.backend.suffix_hidden_states(prep.prefix, [suffix])[0, second : second + e - s]
        with torch.inference_mode():
            soft, sig = engine_w.heads.logits(h, prep.projected)
            per_window[(s, e)] = engine_w.heads.probabilities(soft, sig).numpy()
    for i in range(n):
        holders = [(s, e) for s, e in per_window if s <= i < e]

        def centrality(w):
            s, e = w
            return min(i - s if s > 0 else np.inf, e - 1 - i if e < n else np.inf)

        best = max(holders, key=centrality)
        assert np.allclose(probs[i], per_window[best][i - best[0]], atol=1e-5), f"token {i}"
    # and the windows really differ near their edges (the choice above matters)
    (s0, e0), (s1, e1) = list(per_window)[:2]
    shared = range(s1, e0)
    assert max(np.abs(per_window[(s0, e0)][i - s0] - per_window[(s1, e1)][i - s1]).max() for i in shared) > 1e-4


def test_100k_character_document_is_read_to_its_end(kind):
    """Markers in every paragraph, the last one near the end of a 100,000-character text:
    every one must come back as a span (windows neither truncated nor misaligned)."""
    engine = marker_engine(kind)  # the policy defaults: 256-token windows, 32 overlap
    paragraphs, marker_at = [], []
    pos, i = 0, 0
    while pos < 100_000:
        words = _filler(40, i).split(" ")
        k = 1 + (i * 7) % 39  # the marker wanders through the paragraph, so across window edges
        para = " ".join(words[:k] + [MARKER_WORD + ","] + words[k:])
        marker_at.append(pos + len(" ".join(words[:k])) + 1)
        paragraphs.append(para)
        pos += len(para) + 2
        i += 1
    last = "Final paragraph: please forward this to " + MARKER_WORD + "."
    marker_at.append(pos + last.index(MARKER_WORD))
    text = "\n\n".join(paragraphs + [last])
    assert len(text) >= 100_000
    spans = engine.predict([text], TYPES)[0]
    assert [(s.start, s.end) for s in spans] == [(p, p + len(MARKER_WORD)) for p in marker_at]
    assert {s.label for s in spans} == {MARKER_LABEL}
    assert spans[-1].start > text.rindex("\n\n")  # a span in the last paragraph


# -- concurrency -----------------------------------------------------------------------------------
def test_threads_share_an_engine(backbone):
    engine = make_engine(backbone=backbone, batch_size=2)  # unprepared: threads race on prepare()
    texts = [[TEXTS[(i + k) % len(TEXTS)] for k in range(3)] for i in range(8)]
    ref_engine = make_engine(backbone=backbone, batch_size=2)
    ref_probs = [probs_of(ref_engine, t) for t in texts]
    thr = {label: float(np.median(np.concatenate(ref_probs[0])[:, i])) for i, label in enumerate(TYPES)}
    expected = [ref_engine.predict(t, TYPES, thr) for t in texts]

    results: dict[int, tuple] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = (engine.predict(texts[i], TYPES, thr), probs_of(engine, texts[i]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(engine._prepared) == 1
    for i in range(8):
        spans, probs = results[i]
        assert [[(s.start, s.end, s.label) for s in x] for x in spans] == [
            [(s.start, s.end, s.label) for s in x] for x in expected[i]
        ]
        assert max_diff(probs, ref_probs[i]) <= 1e-5


# -- per type set --------------------------------------------------------------------------------
class CountingBackend(TorchBackend):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.prefixes = 0

    def prepare_prefix(self, prefix_ids):
        self.prefixes += 1
        return super().prepare_prefix(prefix_ids)


def test_prepare_caches_per_type_set(backbone):
    engine = make_engine(backbone=backbone)
    engine.backend = CountingBackend(backbone)
    encoder = engine.encoder
    first = engine.prepare(TYPES)
    assert engine.prepare(dict(TYPES)) is first
    engine.predict(TEXTS[:2], TYPES)
    assert engine.backend.prefixes == 1 and encoder.calls == 1
    assert first.labels == tuple(TYPES)
    assert first.projected.shape == (len(TYPES) + 1, 32)  # O first

    subset = {"PERSON": TYPES["PERSON"]}
    second = engine.prepare(subset)
    assert second is not first and second.labels == ("PERSON",)
    changed = {**TYPES, "CITY": "A populated place."}
    third = engine.prepare(changed)
    assert third.pieces.prefix_ids != first.pieces.prefix_ids
    reordered = dict(reversed(list(TYPES.items())))
    assert engine.prepare(reordered).labels == tuple(reversed(TYPES))
    assert engine.backend.prefixes == 4
    assert engine.prepare(TYPES) is first and engine.backend.prefixes == 4


def test_type_order_does_not_change_the_spans(markers):
    reordered = dict(reversed(list(TYPES.items())))
    text = f"Ask {MARKER_WORD} today."
    assert markers.predict([text], TYPES) == markers.predict([text], reordered)


# -- edge cases and errors -----------------------------------------------------------------------
class ExplodingBackend:
    name = "exploding"
    hidden_size = 64

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def prepare_prefix(self, prefix_ids):
        return None

    def suffix_hidden_states(self, prefix, suffixes):
        # a careless backend that puts the input into its message
        raise RuntimeError("cannot run on " + self.tokenizer.decode(list(suffixes[0])))


def test_empty_types_give_no_spans_and_run_nothing(engine):
    engine_x = make_engine(backbone=make_backbone("llama"))
    engine_x.backend = ExplodingBackend(engine_x.tokenizer)
    assert engine_x.predict(TEXTS[:2], {}) == [[], []]
    assert engine.predict([], TYPES) == []


def test_empty_text(markers):
    texts = ["", f"hi {MARKER_WORD}", "", "   \n "]
    scored = markers.token_probabilities(texts, TYPES)
    assert scored[0][1].shape == (0, len(TYPES))
    spans = markers.predict(texts, TYPES)
    assert spans[0] == [] and spans[2] == [] and spans[3] == []
    assert [(s.start, s.end) for s in spans[1]] == [(3, 3 + len(MARKER_WORD))]
    assert markers.predict([""], TYPES) == [[]]


def test_backend_failure_raises_detection_error_without_text():
    engine = make_engine(backbone=make_backbone("llama"))
    engine.backend = ExplodingBackend(engine.tokenizer)
    secret = "Alice Secretname 555-0199"
    with pytest.raises(DetectionError) as info:
        engine.predict([secret], TYPES)
    message = str(info.value)
    assert "Secretname" not in message and "555-0199" not in message
    assert "RuntimeError" in message


def test_markers_tag_only_the_marker(markers):
    text = f'Then {MARKER_WORD} met "John Smith"; call {MARKER_WORD}, at (555) 123-4567.'
    spans = markers.predict([text], TYPES)[0]
    assert [(text[s.start : s.end], s.label) for s in spans] == [(MARKER_WORD, MARKER_LABEL)] * 2
    assert all(s.score > 0.99 for s in spans)


# -- checkpoints -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_backbone(tmp_path_factory, kind):
    """The tiny backbone saved as a Hugging Face directory (safetensors + tokenizer)."""
    bb = make_backbone(kind)
    path = tmp_path_factory.mktemp(f"tiny-{kind}")
    bb.model.save_pretrained(str(path))
    bb.tokenizer.save_pretrained(str(path))
    return bb, path


def _config(bb, sha, layer=None):
    from jpt_redact.model.checkpoint import CheckpointConfig

    return CheckpointConfig(
        backbone_id=bb.model_id, backbone_sha256=sha, encoder_id=HashEncoder.encoder_id, d_llm=64, d_enc=32,
        layer=layer, d_hidden=64, d_proj=32, training={"note": "test"},
    )


@pytest.fixture
def fake_definition_encoder(monkeypatch, tmp_path):
    import jpt_redact.model.encoder as encoder_module

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(encoder_module, "DefinitionEncoder", lambda ref=None, device="cpu": HashEncoder())


def test_checkpoint_round_trip(saved_backbone, tmp_path, fake_definition_encoder):
    from jpt_redact.model.checkpoint import load_checkpoint_config, load_heads_state, save_checkpoint
    from jpt_redact.engine.loader import build_engine
    from jpt_redact.model.paths import weights_fingerprint

    bb, path = saved_backbone
    heads = make_heads(seed=3)
    cfg = _config(bb, weights_fingerprint(path))
    ckpt = save_checkpoint(tmp_path / "ckpt", cfg, heads.state_dict())
    assert sorted(p.name for p in ckpt.iterdir()) == ["config.json", "heads.safetensors"]

    _, loaded_cfg = load_checkpoint_config(ckpt)
    assert loaded_cfg == cfg
    state = load_heads_state(ckpt)
    assert state.keys() == heads.state_dict().keys()
    assert all(torch.equal(state[k], v) for k, v in heads.state_dict().items())

    # saving again replaces the directory atomically
    save_checkpoint(ckpt, dataclasses.replace(cfg, training={"note": "v2"}), heads.state_dict())
    assert load_checkpoint_config(ckpt)[1].training == {"note": "v2"}

    engine = build_engine(str(ckpt), backbone=str(path), encoder="unused", backend="torch", device="cpu")
    assert engine.model_id == cfg.model_id and engine.backend_name == "torch"
    in_memory = make_engine(backbone=bb, heads=make_heads(seed=3))
    assert max_diff(probs_of(engine, TEXTS), probs_of(in_memory, TEXTS)) <= 1e-5


def test_checkpoint_layer_cuts_the_backbone(saved_backbone, tmp_path, fake_definition_encoder):
    from jpt_redact.model.checkpoint import save_checkpoint
    from jpt_redact.engine.loader import build_engine
    from jpt_redact.model.paths import weights_fingerprint

    bb, path = saved_backbone
    ckpt = save_checkpoint(tmp_path / "ckpt", _config(bb, weights_fingerprint(path), layer=1), make_heads().state_dict())
    engine = build_engine(str(ckpt), backbone=str(path), encoder="unused", backend="torch", device="cpu")
    assert len(engine.backend.model.layers) == 1
    assert engine.model_id.endswith(f"@L1:{weights_fingerprint(path)[:12]}")


def test_checkpoint_for_another_backbone_is_refused(saved_backbone, tmp_path, fake_definition_encoder):
    from jpt_redact.model.checkpoint import save_checkpoint
    from jpt_redact.engine.loader import build_engine

    bb, path = saved_backbone
    ckpt = save_checkpoint(tmp_path / "ckpt", _config(bb, "0" * 64), make_heads().state_dict())
    with pytest.raises(CheckpointMismatchError, match="sha256 000000000000"):
        build_engine(str(ckpt), backbone=str(path), encoder="unused", backend="torch", device="cpu")


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda d: d.update(format_version=99), "format 99"),
        (lambda d: d.update(unknown_field=1), "invalid checkpoint config"),
        (lambda d: d.pop("d_llm"), "invalid checkpoint config"),
    ],
)
def test_bad_checkpoint_config(tmp_path, mutate, match):
    from jpt_redact.model.checkpoint import load_checkpoint_config, save_checkpoint

    bb = make_backbone("llama")
    ckpt = save_checkpoint(tmp_path / "ckpt", _config(bb, "a" * 64), make_heads().state_dict())
    raw = json.loads((ckpt / "config.json").read_text())
    mutate(raw)
    (ckpt / "config.json").write_text(json.dumps(raw))
    with pytest.raises(ModelError, match=match):
        load_checkpoint_config(ckpt)


def test_missing_checkpoint(tmp_path):
    from jpt_redact.model.checkpoint import load_checkpoint_config, load_heads_state

    with pytest.raises(ModelError, match="no config.json"):
        load_checkpoint_config(tmp_path)
    with pytest.raises(ModelError, match="no heads.safetensors"):
        load_heads_state(tmp_path)


def test_heads_that_do_not_match_the_config_are_refused(saved_backbone, tmp_path, fake_definition_encoder):
    from jpt_redact.model.checkpoint import save_checkpoint
    from jpt_redact.engine.loader import build_engine
    from jpt_redact.model.heads import JPTHeads
    from jpt_redact.model.paths import weights_fingerprint

    bb, path = saved_backbone
    wrong = JPTHeads(64, 32, 48, 32)  # d_hidden 48, config says 64
    ckpt = save_checkpoint(tmp_path / "ckpt", _config(bb, weights_fingerprint(path)), wrong.state_dict())
    with pytest.raises(ModelError, match="do not match"):
        build_engine(str(ckpt), backbone=str(path), encoder="unused", backend="torch", device="cpu")


# -- TokenScores: decoding on demand, memoised ------------------------------------------------------
def _scores(seed: int):
    from jpt_redact.engine.jpt import TokenScores
    from jpt_redact.model.prompt import TokenizedText

    rng = np.random.default_rng(seed)
    words = ["Ann", " ", "Lee", "\n", "lives", " ", "at", " ", "12", " ", "Oak", " ", "Road", ",", " ", "Paris", "."]
    text, offsets = "", []
    for w in words:
        offsets.append((len(text), len(text) + len(w)))
        text += w
    labels = ["PERSON", "ADDRESS", "CITY"]
    probs = rng.uniform(0, 1, (len(words), len(labels))).astype(np.float32)
    return TokenScores(text, TokenizedText(tuple(range(len(words))), tuple(offsets)), probs, labels)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("extension", [1.0, 0.6, {"PERSON": 0.5, "ADDRESS": 1.0, "CITY": 0.8}])
def test_token_scores_decode_exactly_as_decode_spans_at_every_threshold(seed, nested, extension):
    from jpt_redact.model.decode import decode_spans

    scores = _scores(seed)
    labels = list(scores.labels)
    grid = [0.3, 0.45, 0.5, 0.62, 0.8]
    rng = np.random.default_rng(100 + seed)
    for _ in range(40):  # many threshold sets, repeats included: memo hits must equal fresh decodes
        thr = {lab: float(rng.choice(grid)) for lab in labels}
        grow = [extension.get(lab, 1.0) for lab in labels] if isinstance(extension, dict) else extension
        want = decode_spans(scores.text, scores.offsets, scores.probs, labels, [thr[lab] for lab in labels],
                            nested=nested, grow=grow)
        assert scores.spans(thr, nested=nested, span_extension=extension) == want


def test_score_then_spans_is_predict(markers):
    texts = [f"hi {MARKER_WORD}, then John", "", f"{MARKER_WORD}"]
    thresholds = {label: 0.5 for label in TYPES}
    scored = markers.score(texts, TYPES)
    assert [s.spans(thresholds) for s in scored] == markers.predict(texts, TYPES, thresholds)
    assert markers.score(texts, {})[1].spans(thresholds) == []
