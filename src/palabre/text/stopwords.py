"""French and English stop words for term extraction (trends).

Function words, auxiliaries, pronouns and the politeness formulas every message
carries (greetings, thanks, sign-offs): they never make a topic, and leaving them in
would fill the term table with pairs like "de la" or "thank you". Lower case, accents
kept. The tokenizer of :mod:`palabre.text.terms` drops French elisions
(``l'``, ``qu'``) itself; their bare letters are listed anyway for other callers.
English contractions are listed whole (``don't``) since they stay one token.
"""

from __future__ import annotations


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


FRENCH: frozenset[str] = _words("""
    a à à-dire afin ai aie aient aies ait alors as au aucun aucune aujourd aujourd'hui
    auprès aura aurai auraient aurais aurait auras aurez auriez aurions aurons auront
    aussi autre autres aux avaient avais avait avant avec avez aviez avions avoir avons
    ayant ayez ayons bah bien bon bonne c ça car ce ceci cela celle celles celui cependant
    ces cet cette ceux chaque chez ci comme comment d dans de dedans dehors déjà depuis
    des dès desquelles desquels deux doit donc dont du duquel elle elles en encore entre
    es est et étaient étais était étant été êtes étiez étions être eu eue eues eûmes
    eurent eus eut eux fait faire fais faut fois font fûmes furent fus fut ha hé hein
    hélas hors i ici il ils j jamais je jusqu jusque l la là laquelle le lequel les
    lesquelles lesquels leur leurs lorsqu lorsque lui m ma mais me même mêmes mes moi
    moins mon n ne ni non nos notre nôtre nous o on ont or ou où oui par parce pas
    peu peut peuvent peux plus plutôt pour pourquoi pourra pourrait pourtant puis puisqu
    puisque qu quand que quel quelle quelles quels qui quoi quoiqu quoique s sa sans
    sauf se sera serai seraient serais serait seras serez seriez serions serons seront
    ses si sien soi soient sois soit sommes son sont sous soyez soyons suis sur t ta
    tandis te tel telle tels tes toi ton toujours tous tout toute toutes très trop tu
    un une unes uns va vais vas vers via voici voilà vont vos votre vôtre vous vu y
    ceux-ci celle-ci celui-ci celle-là celui-là est-ce qu'est-ce peut-être
    bonjour bonsoir salut coucou merci mercis cordialement cordiales salutations
    madame monsieur mesdames messieurs svp stp bref ok okay voilà
""")

ENGLISH: frozenset[str] = _words("""
    a about above after again against all also am an and any are aren't as at be
    because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't down during each either else
    ever every few for from further get gets got had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's
    however i i'd i'll i'm i've if in into is isn't it it's its itself just let's
    like many may me might more most much must mustn't my myself no nor not now of
    off on once only or other ought our ours ourselves out over own quite rather
    really same shall shan't she she'd she'll she's should shouldn't since so some
    still such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those though through to too
    under until up upon us very via was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's whether which while who who's
    whom whose why why's will with within without won't would wouldn't yes yet you
    you'd you'll you're you've your yours yourself yourselves
    hi hello hey dear thanks thank thx cheers regards kind best sincerely please
    pls ok okay oh well yeah
""")

#: stop words per language code; other or unknown languages use both lists
BY_LANGUAGE: dict[str, frozenset[str]] = {"fr": FRENCH, "en": ENGLISH}
BOTH: frozenset[str] = FRENCH | ENGLISH


def stop_words(language: str | None) -> frozenset[str]:
    """The stop words of ``language`` (``fr``, ``en``); both lists for anything else."""
    return BY_LANGUAGE.get(language or "", BOTH)
