"""Tuning the matcher's weights on labelled postings (``pipeline tune``).

``tune``: k-fold cross-validation over the fixtures' labels; ``tune_datasets``: leave-one-dataset
-out validation over real labelled postings. Both write a settings file the matcher reads. Only
``pipeline tune`` imports this package: matching and evaluation never do.
"""

from pipeline.match.tuning.tune import TuneResult, tune, tune_config, write_settings
from pipeline.match.tuning.tune_datasets import DatasetTuneResult, tune_datasets

__all__ = ["DatasetTuneResult", "TuneResult", "tune", "tune_config", "tune_datasets",
           "write_settings"]
