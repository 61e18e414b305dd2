"""Synthetic saved PubMed pages for benchmarks: realistic size, linked into one graph.

Each page is about 4 KB with ten citation items: half name other pages of the
same corpus (so links resolve to full records), half name stubs.  PMIDs start
at 60,000,000 for pages and 80,000,000 for stubs, far from the sample's.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

PAGE_BASE = 60_000_000
STUB_BASE = 80_000_000
JOURNALS = ("Mult Scler", "Lancet Neurol", "J Neurol Sci", "Front Immunol", "Neurology",
            "Brain", "Ann Neurol", "JAMA Neurol", "Nat Rev Neurol", "Mult Scler Relat Disord")
WORDS = ["alemtuzumab", "natalizumab", "ocrelizumab", "relapsing", "remitting", "multiple", "sclerosis", "lymphocyte", "depletion", "repopulation", "cohort", "randomised", "trial", "efficacy", "safety", "infusion", "autoimmunity", "thyroid", "disability", "progression", "lesion", "imaging", "biomarker", "neurofilament", "cytokine", "regulatory", "memory", "interferon", "glatiramer", "fingolimod", "cladribine", "therapy", "outcome", "risk", "infection", "monitoring"]  # noqa: E501


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def _citation(rng: random.Random, pmid: int) -> str:
    journal = rng.choice(JOURNALS)
    year = rng.randint(1995, 2025)
    title = _sentence(rng, rng.randint(6, 14))
    return (f"{title}.{journal}. {year} Mar;{rng.randint(1, 400)}({rng.randint(1, 12)}):{rng.randint(1, 900)}-"
            f"{rng.randint(901, 999)}. doi: 10.9999/bench.{pmid}. Epub {year} Jan 5. {journal}. {year}. "
            f"PMID: {pmid}{rng.choice(('', ' Free PMC article.', ' Review.', ' Free PMC article. Review.'))}")


def page_text(number: int, total: int, seed: int = 7) -> str:
    rng = random.Random(seed * 1_000_003 + number)
    pmid = PAGE_BASE + number
    title = _sentence(rng, rng.randint(8, 16))
    abstract = "\n".join(
        f"{label}: {_sentence(rng, rng.randint(40, 55))}."
        for label in ("Background", "Methods", "Results", "Conclusions")
    )
    links = [PAGE_BASE + rng.randrange(total) for _ in range(5)] + [STUB_BASE + rng.randrange(total * 5) for _ in range(5)]
    rng.shuffle(links)
    lines = [title, f"- PMID: {pmid}", f"- PMCID: PMC{pmid}", f"- DOI: 10.9999/page.{pmid}", title, "Abstract", abstract,
             f"Keywords: {'; '.join(rng.sample(WORDS, 5))}.", f"© {rng.randint(2000, 2025)} The Authors.",
             "Similar articles"]
    for target in links[:4]:
        lines += ["-", _citation(rng, target)]
    lines.append("Cited by")
    for target in links[4:7]:
        lines += ["-", _citation(rng, target)]
    lines.append("References")
    for target in links[7:]:
        lines += ["-", _citation(rng, target)]
    lines += ["Publication types", "- Journal Article", "MeSH terms", "- Humans", "- Multiple Sclerosis / drug therapy*",
              "Substances", "- Alemtuzumab"]
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` pages into ``folder`` (100 files per sub-folder, like a real archive)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        sub = folder / f"{number // 1000:04}"
        if number % 1000 == 0:
            sub.mkdir(exist_ok=True)
        (sub / f"{number:07}.txt").write_text(page_text(number, count, seed), encoding="utf-8")
    return folder


def cached_corpus(workdir: Path, count: int, seed: int = 7) -> Path:
    """A corpus of ``count`` pages in ``workdir``, written on first use and kept for later runs."""
    folder = workdir / f"corpus-{count}-seed{seed}"
    complete = workdir / f"corpus-{count}-seed{seed}.complete"
    if not complete.exists():
        if folder.exists():
            shutil.rmtree(folder)
        write_corpus(folder, count, seed)
        complete.touch()
    return folder


MEDLINE_BASE = 70_000_000


def _wrapped(tag: str, text: str) -> list[str]:
    """A MEDLINE field: the tag line, then continuation lines indented by six spaces."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > 82:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [f"{tag:<4}- {lines[0]}"] + [f"      {rest}" for rest in lines[1:]]


def medline_record(number: int, seed: int = 7, abstract_words: int = 250) -> str:
    """One MEDLINE record as PubMed's "Send to > Citation manager" writes it (about 2.5 KB by default)."""
    rng = random.Random(seed * 1_000_003 + number)
    pmid = MEDLINE_BASE + number
    journal = rng.choice(JOURNALS)
    year = rng.randint(1995, 2025)
    lines = [f"PMID- {pmid}", "OWN - NLM", "STAT- MEDLINE", f"DCOM- {year}0606", "IS  - 1352-4585 (Linking)",
             f"VI  - {rng.randint(1, 400)}", f"IP  - {rng.randint(1, 12)}", f"DP  - {year} Mar"]
    lines += _wrapped("TI", _sentence(rng, rng.randint(8, 16)) + ".")
    lines.append(f"PG  - {rng.randint(1, 900)}-{rng.randint(901, 999)}")
    lines.append(f"LID - 10.9999/medline.{pmid} [doi]")
    if abstract_words:
        lines += _wrapped("AB", " ".join(f"{label}: {_sentence(rng, max(1, abstract_words // 4))}."
                                         for label in ("BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS")))
    for _ in range(rng.randint(1, 6)):
        family = _sentence(rng, 1)
        lines += [f"FAU - {family}, {rng.choice('ABCDEFGHJKLMNPRST')}.", f"AU  - {family} {rng.choice('ABCDEFGHJKLMNPRST')}"]
    lines += ["LA  - eng", "PT  - Journal Article", f"TA  - {journal}", f"JT  - {journal}"]
    lines += [f"MH  - {'*' if rng.random() < 0.3 else ''}{_sentence(rng, 2)}" for _ in range(rng.randint(2, 8))]
    lines += [f"OT  - {word}" for word in rng.sample(WORDS, 4)]
    lines += [f"AID - 10.9999/medline.{pmid} [doi]", f"PMC - PMC{pmid}", "PST - ppublish",
              f"SO  - {journal}. {year} Mar;1(2):3-4. doi: 10.9999/medline.{pmid}."]
    return "\n".join(lines) + "\n"


def write_medline_export(path: Path, *, records: int | None = None, size: int | None = None, seed: int = 7,
                         abstract_words: int = 250) -> int:
    """Write a PubMed MEDLINE export of ``records`` records, or of at least ``size`` bytes; return the count."""
    count = 0
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        while (records is not None and count < records) or (size is not None and written < size):
            text = ("\n" if count else "") + medline_record(count, seed, abstract_words)
            handle.write(text)
            written += len(text.encode("utf-8"))
            count += 1
    return count
