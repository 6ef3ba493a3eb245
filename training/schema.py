"""The one place that names the data set's columns and labels.

The UCI source does not say which `class` value is a genuine note. This project follows its own
design, 0 = forged and 1 = genuine (some write-ups state the opposite); the serving artifact carries
these names so the app never hard-codes them.
"""

FEATURES: tuple[str, ...] = ("variance", "skewness", "curtosis", "entropy")
LABEL = "class"
COLUMNS: tuple[str, ...] = (*FEATURES, LABEL)
CLASSES: tuple[int, ...] = (0, 1)
CLASS_NAMES: tuple[str, ...] = ("forged", "genuine")

UCI_DATASET_ID = 267
UCI_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00267/data_banknote_authentication.txt"
DATA_LICENSE = "CC BY 4.0"
DATA_CITATION = (
    "Volker Lohweg and Helene Doerksen (2013), banknote authentication, "
    "UCI Machine Learning Repository, https://doi.org/10.24432/C55P57"
)
