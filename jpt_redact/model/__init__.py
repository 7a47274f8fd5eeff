"""What a JPT model is: prompt (prompt.py), backbone loading (backbone.py, paths.py), the
definition encoder (encoder.py), the heads (heads.py), span decoding (decode.py), the
checkpoint format (checkpoint.py) and its LoRA adapter (lora.py).

Nothing here runs inference on a schedule or picks hardware: that is runtime/ (backends) and
engine/ (which puts a checkpoint and a backend together). This package imports neither.
"""
