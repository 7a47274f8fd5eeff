"""What runs the backbone: the backend protocol (base.py), the torch and onnxruntime backends,
the ONNX export and its cache, and `auto` selection (select.py).

Backends load what they run through model/ (backbone, tokenizer, LoRA); they know nothing of
the heads, decoding or policies' definitions. The engine (engine/loader.py) creates them.
"""
