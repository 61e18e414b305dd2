"""The PubMed XML reader on small hand-written documents, hostile XML and random text.

The property tests run ~100 examples each; a long fuzz run is::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_pubmed_xml.py
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.abstract import abstract_parts
from refman.domain.records import LINK_SECTION_BY_KEY
from refman.formats import pubmed_xml
from refman.formats.errors import ParseError
from tests.fuzzing import budget

DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN"'
    ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">'
)

ARTICLE = """\
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">25344374</PMID>
    <Article PubModel="Print-Electronic">
      <Journal>
        <ISSN IssnType="Electronic">1477-0970</ISSN>
        <JournalIssue CitedMedium="Internet">
          <Volume>21</Volume>
          <Issue>5</Issue>
          <PubDate><Year>2015</Year><Month>04</Month></PubDate>
        </JournalIssue>
        <Title>Multiple sclerosis (Houndmills, Basingstoke, England)</Title>
        <ISOAbbreviation>Mult Scler</ISOAbbreviation>
      </Journal>
      <ArticleTitle>Alemtuzumab and CO<sub>2</sub> in <i>vivo</i>: m<sup>2</sup> of <b>long</b>-term <u>follow-up</u>.</ArticleTitle>
      <Pagination><MedlinePgn>601-9</MedlinePgn></Pagination>
      <ELocationID EIdType="pii" ValidYN="Y">S1352458514549398</ELocationID>
      <ELocationID EIdType="doi" ValidYN="Y">10.1177/1352458514549398</ELocationID>
      <Abstract>
        <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Alemtuzumab is a <i>humanised</i>
          antibody.</AbstractText>
        <AbstractText Label="METHODS" NlmCategory="METHODS">We followed up patients.</AbstractText>
        <AbstractText Label="UNLABELLED">Relapses fell.</AbstractText>
        <CopyrightInformation>© The Author(s), 2014.</CopyrightInformation>
      </Abstract>
      <AuthorList CompleteYN="Y">
        <Author ValidYN="Y">
          <LastName>Coles</LastName><ForeName>Alasdair J</ForeName><Initials>AJ</Initials>
          <Identifier Source="ORCID">https://orcid.org/0000-0003-4738-0314</Identifier>
          <AffiliationInfo><Affiliation>University of Cambridge, UK.</Affiliation></AffiliationInfo>
          <AffiliationInfo><Affiliation>Addenbrooke's Hospital, UK.</Affiliation></AffiliationInfo>
        </Author>
        <Author ValidYN="Y">
          <LastName>Hambrick</LastName><ForeName>George W</ForeName><Initials>GW</Initials>
          <Suffix>Jr</Suffix>
        </Author>
        <Author ValidYN="N"><LastName>Wrong</LastName><Initials>W</Initials></Author>
        <Author ValidYN="Y"><CollectiveName>CAMMS223 Trial Investigators</CollectiveName></Author>
      </AuthorList>
      <Language>eng</Language>
      <Language>nor</Language>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
        <PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
      </PublicationTypeList>
      <VernacularTitle>Alemtuzumab ved multippel sklerose.</VernacularTitle>
      <ArticleDate DateType="Electronic"><Year>2014</Year><Month>09</Month><Day>11</Day></ArticleDate>
    </Article>
    <MedlineJournalInfo><MedlineTA>Mult Scler</MedlineTA></MedlineJournalInfo>
    <ChemicalList>
      <Chemical><RegistryNumber>0</RegistryNumber><NameOfSubstance UI="D1">Antibodies, Monoclonal, Humanized</NameOfSubstance></Chemical>
      <Chemical><RegistryNumber>3A189DH42V</RegistryNumber><NameOfSubstance UI="D2">Alemtuzumab</NameOfSubstance></Chemical>
    </ChemicalList>
    <CommentsCorrectionsList>
      <CommentsCorrections RefType="CommentIn">
        <RefSource>Mult Scler. 2015 Apr;21(5):537-8</RefSource><PMID Version="1">25583844</PMID>
      </CommentsCorrections>
      <CommentsCorrections RefType="ErratumIn">
        <RefSource>Mult Scler. 2016 Jan;22(1):127. doi: 10.1177/1352458515620903.</RefSource>
        <PMID Version="1">26700000</PMID>
      </CommentsCorrections>
      <CommentsCorrections RefType="RetractionOf"><RefSource>Lancet. 2010;1:1</RefSource></CommentsCorrections>
      <CommentsCorrections RefType="Cites"><RefSource>Nature. 1994;370:199</RefSource><PMID Version="1">8028666</PMID></CommentsCorrections>
      <CommentsCorrections RefType="Cites"><RefSource>Cell. 2001;1:2</RefSource><PMID Version="1">11111111</PMID></CommentsCorrections>
    </CommentsCorrectionsList>
    <MeshHeadingList>
      <MeshHeading><DescriptorName UI="D1" MajorTopicYN="N">Alemtuzumab</DescriptorName></MeshHeading>
      <MeshHeading>
        <DescriptorName UI="D2" MajorTopicYN="Y">Multiple Sclerosis</DescriptorName>
        <QualifierName UI="Q1" MajorTopicYN="N">drug therapy</QualifierName>
      </MeshHeading>
      <MeshHeading>
        <DescriptorName UI="D3" MajorTopicYN="N">Antibodies</DescriptorName>
        <QualifierName UI="Q2" MajorTopicYN="N">adverse effects</QualifierName>
        <QualifierName UI="Q3" MajorTopicYN="Y">therapeutic use</QualifierName>
      </MeshHeading>
    </MeshHeadingList>
    <KeywordList Owner="NOTNLM">
      <Keyword MajorTopicYN="N">alemtuzumab</Keyword>
      <Keyword MajorTopicYN="N">long-term follow-up</Keyword>
    </KeywordList>
  </MedlineCitation>
  <PubmedData>
    <ArticleIdList>
      <ArticleId IdType="pubmed">25344374</ArticleId>
      <ArticleId IdType="doi">10.1177/1352458514549398</ArticleId>
      <ArticleId IdType="pmc">PMC4361497</ArticleId>
    </ArticleIdList>
    <ReferenceList>
      <Reference>
        <Citation>Nature. 1994 Jul 21;370(6486):199-201</Citation>
        <ArticleIdList><ArticleId IdType="pubmed">8028666</ArticleId><ArticleId IdType="doi">10.1038/370199a0</ArticleId></ArticleIdList>
      </Reference>
      <Reference><Citation>A book with no identifier. 1990.</Citation></Reference>
    </ReferenceList>
  </PubmedData>
</PubmedArticle>"""

BOOK_ARTICLE = """\
<PubmedBookArticle>
  <BookDocument>
    <PMID Version="1">20301295</PMID>
    <ArticleIdList><ArticleId IdType="bookaccession">NBK1161</ArticleId></ArticleIdList>
    <Book>
      <Publisher>
        <PublisherName>University of Washington, Seattle</PublisherName>
        <PublisherLocation>Seattle (WA)</PublisherLocation>
      </Publisher>
      <BookTitle book="gene">GeneReviews<sup>®</sup></BookTitle>
      <PubDate><Year>1993</Year></PubDate>
      <AuthorList Type="editors">
        <Author><LastName>Adam</LastName><ForeName>Margaret P</ForeName><Initials>MP</Initials></Author>
      </AuthorList>
      <Isbn>9780000000001</Isbn>
    </Book>
    <LocationLabel Type="chapter">Chapter 3</LocationLabel>
    <ArticleTitle book="gene" part="alzheimer">Alzheimer Disease Overview</ArticleTitle>
    <Language>eng</Language>
    <AuthorList Type="authors">
      <Author><LastName>Bird</LastName><ForeName>Thomas D</ForeName><Initials>TD</Initials></Author>
    </AuthorList>
    <PublicationType UI="D016454">Review</PublicationType>
    <Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Memory loss.</AbstractText></Abstract>
  </BookDocument>
  <PubmedBookData>
    <ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId></ArticleIdList>
  </PubmedBookData>
</PubmedBookArticle>"""


def article_set(*articles: str) -> str:
    return '<?xml version="1.0" ?>\n' + DOCTYPE + "\n<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n"


def read_one(text: str):
    result = pubmed_xml.read_records(text)
    assert len(result.records) == 1, result
    return result.records[0].record


def refusal(text: str) -> str:
    with pytest.raises(ParseError) as error:
        pubmed_xml.read_records(text)
    return error.value.reason


def minimal(title: str, pmid: str = "1") -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>"
        f"<ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    )


# --- a journal article -----------------------------------------------------------------------


def test_identifiers_journal_and_date_are_read():
    record = read_one(article_set(ARTICLE))
    assert record.source_format == "pubmed-xml"
    assert (record.pmid, record.pmcid, record.doi) == ("25344374", "PMC4361497", "10.1177/1352458514549398")
    assert record.journal == "Mult Scler"
    assert record.journal_full == "Multiple sclerosis (Houndmills, Basingstoke, England)"
    assert (record.year, record.date, record.volume, record.issue, record.pages) == (
        2015, "2015 Apr", "21", "5", "601-9"
    )
    assert record.epub_date == "2014 Sep 11"
    assert record.language == "English; Norwegian"
    assert record.copyright == "© The Author(s), 2014."
    assert record.entry_type == "article-journal"
    assert ("ISSN", "1477-0970") in record.other_identifiers
    assert ("pii", "S1352458514549398") in record.other_identifiers
    assert ("vernacular title", "Alemtuzumab ved multippel sklerose.") in record.other_identifiers


def test_inline_markup_in_a_title_is_flattened_to_its_text():
    assert read_one(article_set(ARTICLE)).title == "Alemtuzumab and CO2 in vivo: m2 of long-term follow-up."


def test_a_labelled_abstract_becomes_labelled_paragraphs():
    record = read_one(article_set(ARTICLE))
    assert record.abstract == (
        "BACKGROUND: Alemtuzumab is a humanised antibody.\n\nMETHODS: We followed up patients."
        "\n\nRelapses fell."
    )
    assert [part.label for part in abstract_parts(record.abstract)] == ["BACKGROUND", "METHODS", None]


def test_mathml_reads_as_its_text_without_layout_spaces():
    title = (
        'inhaled <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">\n'
        "  <mml:mrow>\n    <mml:mmultiscripts>\n      <mml:mrow><mml:mi>He</mml:mi></mml:mrow>\n"
        "      <mml:mprescripts/><mml:none/><mml:mrow><mml:mn>3</mml:mn></mml:mrow>\n"
        "    </mml:mmultiscripts>\n    <mml:mtext> </mml:mtext>\n    <mml:mi>MRI</mml:mi>\n"
        '  </mml:mrow>\n</mml:math> and <math xmlns="http://www.w3.org/1998/Math/MathML">'
        "<mi>x</mi><mo>=</mo><mn>2</mn></math> today"
    )
    assert read_one(minimal(title)).title == "inhaled He3 MRI and x=2 today"


def test_authors_with_affiliations_orcid_suffix_and_groups():
    coles, hambrick, group = read_one(article_set(ARTICLE)).authors
    assert (coles.family, coles.given, coles.initials) == ("Coles", "Alasdair J", "AJ")
    assert coles.orcid == "0000-0003-4738-0314"
    assert coles.affiliations == ("University of Cambridge, UK.", "Addenbrooke's Hospital, UK.")
    assert (hambrick.display, hambrick.suffix) == ("Hambrick GW Jr", "Jr")
    assert group.collective == "CAMMS223 Trial Investigators"


def test_mesh_headings_are_written_as_medline_writes_them():
    assert read_one(article_set(ARTICLE)).mesh_terms == (
        "Alemtuzumab",
        "*Multiple Sclerosis/drug therapy",
        "Antibodies/adverse effects/*therapeutic use",
    )


def test_keywords_publication_types_and_substances():
    record = read_one(article_set(ARTICLE))
    assert record.keywords == ("alemtuzumab", "long-term follow-up")
    assert record.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert record.substances == ("Antibodies, Monoclonal, Humanized", "Alemtuzumab")


def test_comments_errata_and_retractions_become_links():
    links = read_one(article_set(ARTICLE)).links
    assert set(links) <= set(LINK_SECTION_BY_KEY)
    (comment,) = links["comment_in"]
    assert (comment.text, comment.pmid) == ("Mult Scler. 2015 Apr;21(5):537-8", "25583844")
    (erratum,) = links["erratum_in"]
    assert (erratum.pmid, erratum.doi) == ("26700000", "10.1177/1352458515620903")
    (retracted,) = links["retraction_of"]
    assert (retracted.text, retracted.pmid) == ("Lancet. 2010;1:1", None)


def test_references_come_from_the_reference_list_and_cites_entries_once_each():
    references = read_one(article_set(ARTICLE)).links["references"]
    assert [(c.text, c.pmid, c.doi) for c in references] == [
        ("Nature. 1994 Jul 21;370(6486):199-201", "8028666", "10.1038/370199a0"),
        ("A book with no identifier. 1990.", None, None),
        ("Cell. 2001;1:2", "11111111", None),
    ]


def test_reference_list_citation_strings_are_split_and_the_files_identifiers_win():
    reference = """<Reference>
        <Citation>Stein M. B., Kean Y. M., Disability and quality of life in social phobia: Epidemiologic
          findings. Am. J. Psychiatry 157, 1606\u20131613 (2000). doi: 10.1176/wrong.</Citation>
        <ArticleIdList><ArticleId IdType="pubmed">11007714</ArticleId>
          <ArticleId IdType="doi">10.1176/appi.ajp.157.10.1606</ArticleId></ArticleIdList>
      </Reference>"""
    text = ARTICLE.replace("<ReferenceList>", "<ReferenceList>" + reference)
    cited = read_one(article_set(text)).links["references"][0]
    assert cited.text == (
        "Stein M. B., Kean Y. M., Disability and quality of life in social phobia: Epidemiologic findings. "
        "Am. J. Psychiatry 157, 1606\u20131613 (2000). doi: 10.1176/wrong."
    )
    assert cited.title == "Disability and quality of life in social phobia: Epidemiologic findings"
    assert (cited.journal, cited.year, cited.volume, cited.pages) == ("Am. J. Psychiatry", 2000, "157", "1606\u20131613")
    assert (cited.pmid, cited.doi) == ("11007714", "10.1176/appi.ajp.157.10.1606")


def test_comment_and_reference_sources_in_nlm_form_give_journal_and_date():
    links = read_one(article_set(ARTICLE)).links
    (comment,) = links["comment_in"]
    assert (comment.title, comment.journal, comment.date, comment.year) == (None, "Mult Scler", "2015 Apr", 2015)
    assert (comment.volume, comment.issue, comment.pages) == ("21", "5", "537-8")
    nature = links["references"][0]
    assert (nature.journal, nature.year, nature.volume, nature.pages) == ("Nature", 1994, "370", "199-201")
    assert nature.doi == "10.1038/370199a0"


def test_a_reference_known_only_by_its_identifier_gets_no_parsed_fields():
    reference = '<Reference><ArticleIdList><ArticleId IdType="pubmed">19990101</ArticleId></ArticleIdList></Reference>'
    text = ARTICLE.replace("<ReferenceList>", "<ReferenceList>" + reference)
    cited = read_one(article_set(text)).links["references"][0]
    assert (cited.text, cited.pmid, cited.year, cited.title) == ("19990101", "19990101", None, None)


def test_raw_is_the_articles_own_xml():
    result = pubmed_xml.read_records(article_set(ARTICLE, minimal("Second.", "2")))
    first, second = result.records
    assert first.raw.startswith("<PubmedArticle>") and first.raw.endswith("</PubmedArticle>")
    assert "<PMID Version=\"1\">25344374</PMID>" in first.raw
    assert "25344374" not in second.raw
    assert read_one(first.raw).pmid == "25344374"


def test_the_version_1_pmid_is_the_records():
    text = (
        '<PubmedArticle><MedlineCitation><PMID Version="1">1</PMID><PMID Version="2">10097079</PMID>'
        "<Article><ArticleTitle>T.</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    )
    assert read_one(text).pmid == "1"


@pytest.mark.parametrize(
    "pub_date, date, year",
    [
        ("<Year>2013</Year><Season>Spring</Season>", "2013 Spring", 2013),
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", "1998 Dec-1999 Jan", 1998),
        ("<Year>2022</Year><Month>May</Month><Day>03</Day>", "2022 May 3", 2022),
    ],
)
def test_publication_dates(pub_date, date, year):
    text = (
        "<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><Journal><JournalIssue>"
        f"<PubDate>{pub_date}</PubDate></JournalIssue></Journal><ArticleTitle>T.</ArticleTitle>"
        "</Article></MedlineCitation></PubmedArticle>"
    )
    record = read_one(text)
    assert (record.date, record.year) == (date, year)


def test_hostile_markup_in_a_title_is_kept_as_literal_text():
    title = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;"
    assert read_one(minimal(title)).title == "<script>alert('x')</script> & <b>"


# --- books --------------------------------------------------------------------------------------


def test_a_book_chapter_has_its_book_editors_and_publisher():
    record = read_one(BOOK_ARTICLE)
    assert record.entry_type == "chapter"
    assert record.pmid == "20301295"
    assert record.title == "Alzheimer Disease Overview"
    assert record.container_title == "GeneReviews®"
    assert [a.display for a in record.authors] == ["Bird TD"]
    assert [e.display for e in record.editors] == ["Adam MP"]
    assert (record.publisher, record.place, record.year) == (
        "University of Washington, Seattle", "Seattle (WA)", 1993
    )
    assert record.abstract == "CLINICAL CHARACTERISTICS: Memory loss."
    assert {("ISBN", "9780000000001"), ("bookaccession", "NBK1161"), ("chapter", "Chapter 3")} <= set(
        record.other_identifiers
    )


def test_a_whole_book_takes_the_book_title():
    text = (
        "<PubmedBookArticleSet><PubmedBookArticle><BookDocument><PMID>3</PMID><Book>"
        "<BookTitle>A Book</BookTitle><AuthorList Type=\"authors\"><Author><CollectiveName>NCC</CollectiveName>"
        "</Author></AuthorList></Book></BookDocument></PubmedBookArticle></PubmedBookArticleSet>"
    )
    record = read_one(text)
    assert (record.entry_type, record.title, record.container_title) == ("book", "A Book", None)
    assert record.authors[0].collective == "NCC"


def test_a_set_may_mix_articles_and_books():
    result = pubmed_xml.read_records(article_set(ARTICLE, BOOK_ARTICLE))
    assert [r.record.entry_type for r in result.records] == ["article-journal", "chapter"]


# --- what is refused ----------------------------------------------------------------------------


def test_the_plain_pubmed_doctype_is_accepted():
    assert read_one(article_set(minimal("With a DOCTYPE."))).title == "With a DOCTYPE."


def test_billion_laughs_is_refused_without_expansion():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    text = f"<!DOCTYPE PubmedArticleSet [{entities}]>\n<PubmedArticleSet>{minimal('&lol9;')}</PubmedArticleSet>"
    assert "declares XML entities" in refusal(text)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE PubmedArticleSet [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd"> %remote;]>',
    ],
)
def test_external_entities_are_refused_without_fetching(doctype):
    text = f"{doctype}<PubmedArticleSet>{minimal('&xxe;')}</PubmedArticleSet>"
    assert "declares XML entities" in refusal(text)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("<PubmedArticleSet/>", "no records in this PubMed XML file (an empty result)"),
        (article_set(), "no records in this PubMed XML file (an empty result)"),
        ("<PubmedArticle/>", "record 1: an empty <PubmedArticle> with no content"),
        ("<PubmedArticleSet><PubmedArticle>\n</PubmedArticle></PubmedArticleSet>", "an empty <PubmedArticle>"),
        ("<PubmedArticle><MedlineCitation/></PubmedArticle>", "record 1: no title and no identifier"),
        ("<PubmedArticleSet>\n<PubmedArticle>\n  wrong\n</PubmedArticleSet>", "not well-formed XML (line 4, column 2)"),
        ('<pmc-articleset><article/></pmc-articleset>', "<pmc-articleset> (a PMC full-text file)"),
        ("<eSummaryResult><DocSum/></eSummaryResult>", "<eSummaryResult> (an eSummary result"),
        ("<!DOCTYPE html>\n<html><body><p>Hi<br></body></html>", "<html> (an HTML page)"),
        ("PMID- 123\nTI  - MEDLINE text\n", "not XML"),
        ("", "empty"),
        ("<PubmedArticleSet><PubmedArticle>&nbsp;</PubmedArticle></PubmedArticleSet>", "undefined entity"),
    ],
)
def test_what_is_not_pubmed_xml_is_refused_with_a_reason(text, reason):
    assert reason in refusal(text)


def test_an_empty_article_among_good_ones_is_skipped_and_named():
    result = pubmed_xml.read_records(article_set(minimal("Good."), "<PubmedArticle/>"))
    assert [r.record.title for r in result.records] == ["Good."]
    assert result.skipped == ("record 2: an empty <PubmedArticle> with no content",)


def test_deeply_nested_markup_is_refused_not_crashed():
    title = "<i>" * 5000 + "deep" + "</i>" * 5000
    assert "nested too deeply" in refusal(minimal(title))


def test_looks_like():
    assert pubmed_xml.looks_like(article_set(ARTICLE))
    assert pubmed_xml.looks_like("\ufeff<!-- saved --><PubmedBookArticle/>")
    assert not pubmed_xml.looks_like("<eSummaryResult/>")
    assert not pubmed_xml.looks_like("PMID- 1\n")


# --- properties -----------------------------------------------------------------------------------


def read_or_refuse(text: str):
    try:
        result = pubmed_xml.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    assert result.records
    for read in result.records:
        assert read.record.title or read.record.pmid or read.record.pmcid or read.record.doi
        assert read.raw.startswith("<Pubmed")
    return result


@budget(100)
@given(st.text())
def test_any_text_is_read_or_refused_with_a_reason(text):
    read_or_refuse(text)


XML_TOKENS = [
    "<PubmedArticleSet>", "</PubmedArticleSet>", "<PubmedArticle>", "</PubmedArticle>", "<PubmedArticle/>",
    "<MedlineCitation>", "</MedlineCitation>", "<PMID>1</PMID>", "<PMID>x</PMID>", "<Article>", "</Article>",
    "<ArticleTitle>T</ArticleTitle>", "<i>", "</i>", "<AuthorList><Author><LastName>A</LastName></Author></AuthorList>",
    "<PubmedBookArticle>", "</PubmedBookArticle>", "<BookDocument>", "</BookDocument>", "&amp;", "&lt;", "&x;",
    "<![CDATA[x]]>", "<!-- c -->", "<?pi x?>", DOCTYPE, "<!DOCTYPE a [<!ENTITY x 'y'>]>", "<mml:math>", "\x00",
]
xml_like = st.lists(st.one_of(st.sampled_from(XML_TOKENS), st.text(max_size=10)), max_size=30).map("".join)


@budget(100)
@given(xml_like)
def test_xml_like_text_is_read_or_refused_with_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(st.data())
def test_a_mutated_article_set_is_read_or_refused_with_a_reason(data):
    text = article_set(ARTICLE, BOOK_ARTICLE)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "truncate"]))
        if kind == "insert":
            text = text[:at] + data.draw(st.one_of(st.sampled_from(XML_TOKENS), st.text(max_size=5))) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 20)):]
        else:
            text = text[:at]
    read_or_refuse(text)
