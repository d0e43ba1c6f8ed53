"""二代居民身份证 reader with a SAM (GA 467 serial frames).

- ``codec``: frames, commands, the SW3 status table (pure).
- ``text``: the 256-byte text block of the four card kinds; ``nation``, ``idnumber``: the
  民族 table and GB 11643 numbers (check digit, masking, keyed hash).
- ``photo``: the raw WLT photo and the pluggable decoder interface.
- ``driver``: ``IdCardReader(url)`` and ``CardRead``; ``watcher``: background polling.
- ``simulator``: a reader on a pseudo-terminal (``yichuang sim idcard``); ``cards``: its
  fictional virtual cards.
"""
from devices.idcard.driver import CardRead, IdCardReader, Timeouts
from devices.idcard.text import (
    Card, PermanentResidenceCard2017, PermanentResidenceCard2023, ResidencePermit,
    ResidentCard, UnsupportedCard, parse_text)
from devices.idcard.watcher import CardWatcher

__all__ = [
    "Card", "CardRead", "CardWatcher", "IdCardReader", "PermanentResidenceCard2017",
    "PermanentResidenceCard2023", "ResidencePermit", "ResidentCard", "Timeouts",
    "UnsupportedCard", "parse_text",
]
