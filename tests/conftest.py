import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# pytest rewrites faker's modules (faker ships a pytest plugin), and Faker imports locale providers lazily.
# Parsed deep inside a test's stack, one of them trips CPython 3.11.7's "AST constructor recursion depth
# mismatch" SystemError; importing them here, at a shallow stack, avoids it.
from faker import Faker  # noqa: E402

from privacy.ner_train import LOCALES  # noqa: E402

Faker(list(LOCALES))
