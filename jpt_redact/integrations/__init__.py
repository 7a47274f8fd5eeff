"""Integrations with systems that run the Redactor for you; each imports its system lazily.

    ray.py    Ray Data: `redact_dataset(ds, policy, column="text")` for your own pipelines,
              and `run_on_ray(run)`, the executor behind `jpt-redact batch --engine ray`

Install the extra first: `pip install "jpt-redact[ray]"`. See docs/scale-out.md.
"""
