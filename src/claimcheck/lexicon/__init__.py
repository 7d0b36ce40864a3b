"""Lexicons as data: loading, validation and the rule registry."""

from claimcheck.lexicon.load import builtin_dir, default_lexicon, lexicon_for, load_lexicon
from claimcheck.lexicon.types import Lexicon, Rule

__all__ = ["Lexicon", "Rule", "builtin_dir", "default_lexicon", "lexicon_for", "load_lexicon"]
