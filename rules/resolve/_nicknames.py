"""Given-name equivalents: ``Jon`` and ``Jonathan`` may be one person.

Each line is one group of names that are commonly used for each other
(English forms only; extend by adding lines).  A name can sit in several
groups (``al`` -> albert, alan, alexander); two names are equivalent when
their groups meet.
"""

from __future__ import annotations

from .._memo import text_cache

_GROUPS = """
john jon jonathan jonathon johnny jonny jack jackie johnnie sean shaun
james jim jimmy jamie jimbo
william will bill billy willie liam wills
robert rob bob bobby robbie bert
richard rick ricky dick dickie rich richie
thomas tom tommy thom
michael mike mick mickey mikey
christopher chris kit topher
nicholas nick nicky nico
daniel dan danny
david dave davy davie
edward ed eddie ted teddy ned
elizabeth liz lizzie beth betty bess bessie eliza libby lisa elise
margaret maggie meg peggy marge madge margo greta
catherine katherine kathryn cathy kathy kate katie kat cath kitty
patricia pat patty trish tricia
patrick pat paddy
jennifer jen jenny jenni
rebecca becky becca bex
samantha sam sammy
samuel sam sammy
alexander alex alec sandy al lex
alexandra alex sandra lexi sasha
albert al bert bertie
alan allan allen al
anthony tony ant
andrew andy drew
benjamin ben benny benji
charles charlie chas chuck chaz
frederick fred freddie freddy
henry harry hal hank
joseph joe joey jo
josephine jo josie
joshua josh
kenneth ken kenny
lawrence laurence larry laurie
leonard len lenny leo
matthew matt matty
nathan nate nat nathaniel
peter pete
philip phillip phil pip
raymond ray
ronald ron ronnie
stephen steven steve stevie
timothy tim timmy
victoria vicky vikki tori
deborah debbie debra deb
susan sue susie suzanne suzie
jessica jess jessie
abigail abby abbie gail
amanda mandy
barbara barb babs
caroline carol carrie
christine chris chrissie christina tina kristina
dorothy dot dottie dolly
eleanor ellie nell nora elle
helen nell
jacqueline jackie jacqui
judith judy jude
kimberley kimberly kim
louise lou lulu
mary molly polly mae maria marie
natalie nat tally
olivia liv livvy
pamela pam
rachel rach
sarah sara sally sadie
sophie sophia soph
stephanie steph
theresa teresa tess tessa terri
zachary zach zac zak
gregory greg
douglas doug
donald don donnie
gerald gerry jerry
geoffrey jeffrey geoff jeff
terence terry
francis frank frankie fran
frances fran frankie
cameron cam
mohammed muhammad mohammad mohamed muhammed mo
""".strip()


def _build() -> dict[str, frozenset[int]]:
    table: dict[str, set[int]] = {}
    for number, line in enumerate(_GROUPS.splitlines()):
        for name in line.split():
            table.setdefault(name, set()).add(number)
    return {name: frozenset(groups) for name, groups in table.items()}


_TABLE = _build()


def nickname_groups(name: str) -> frozenset[int]:
    """``"jon"`` -> the groups it belongs to; empty when unknown."""
    return _TABLE.get(name, frozenset())


@text_cache(65536)
def equivalent(a: str, b: str) -> bool:
    """``equivalent("jon", "jonathan")`` is True; ``equivalent("jon", "james")`` is False."""
    return bool(_TABLE.get(a, frozenset()) & _TABLE.get(b, frozenset()))


_HEADS = [line.split()[0] for line in _GROUPS.splitlines()]


def block_forms(name: str) -> tuple[str, ...]:
    """Stable spellings for blocking: the head of each group the name is in.

    ``block_forms("jon") == block_forms("jonathan") == ("john",)``;
    ``block_forms("sam") == ("samantha", "samuel")``; an unknown name is
    its own form.
    """
    groups = _TABLE.get(name)
    if not groups:
        return (name,)
    return tuple(_HEADS[g] for g in sorted(groups))
