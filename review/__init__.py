"""brief-review core: domain objects, checks and the review engine.

Nothing in this package imports FastAPI, SQLAlchemy or pydantic: `Brief` goes in,
`Review` comes out, and everything between is plain functions over them.
"""

from review.brief import Adoption as AdoptionLabel, Brief, Labels, CATEGORIES, ADOPTION_LEVELS, INSTRUCTION_LEVELS
from review.config import ReviewConfig, load_config
from review.errors import BriefError, RecordError
from review.result import DuplicateMatch, Flag, Review, AdoptionEstimate

__all__ = [
    "ADOPTION_LEVELS", "AdoptionEstimate", "AdoptionLabel", "Brief", "BriefError", "CATEGORIES",
    "DuplicateMatch", "Flag", "INSTRUCTION_LEVELS", "Labels", "RecordError", "Review",
    "ReviewConfig", "load_config",
]
