"""Reading CSV and JSONL exports row by row: sniffing, encodings, headers, row problems."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palabre.connectors import tabular
from palabre.connectors.tabular import Row, RowProblem, open_rows
from palabre.errors import ImportFormatError, ValidationError


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def read_all(path: Path, **kwargs: object) -> list[Row | RowProblem]:
    with open_rows(path, required=kwargs.pop("required", {"id"}), **kwargs) as rows:  # type: ignore[arg-type]
        return list(rows)


def test_sniffs_semicolon_delimiter_from_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id;name\n1;Amélie\n")
    with open_rows(path, required={"id"}) as rows:
        assert rows.header.delimiter == ";"
        assert list(rows) == [Row(2, {"id": "1", "name": "Amélie"})]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("id,name", ","),
        ("id;name;city", ";"),
        ("id\tname", "\t"),
        ("id|name", "|"),
        ('"a;b",c,d', ","),  # delimiters inside quotes do not count
        ("id", ","),
    ],
)
def test_sniff_delimiter_counts_candidates_outside_quotes(line: str, expected: str) -> None:
    assert tabular.sniff_delimiter(line) == expected


def test_header_names_match_known_columns_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", " ID ,Name,Extra Col\n1,Ann,x\n")
    rows = read_all(path, optional={"name"})
    assert rows == [Row(2, {"id": "1", "name": "Ann", "Extra Col": "x"})]


def test_column_map_renames_source_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "Kundennummer,Name\n7,Zoe\n")
    rows = read_all(path, column_map={"kundennummer": "id"})
    assert rows == [Row(2, {"id": "7", "Name": "Zoe"})]


def test_parse_column_map_reads_the_cli_form() -> None:
    assert tabular.parse_column_map("Mail=email, Nom = name") == {"Mail": "email", "Nom": "name"}
    with pytest.raises(ValidationError, match="old=new"):
        tabular.parse_column_map("Mail")


def test_column_map_naming_an_absent_column_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,name\n1,a\n")
    with pytest.raises(ImportFormatError, match=r"'Mail'.*not in the file"):
        read_all(path, column_map={"Mail": "email"})


def test_missing_required_column_names_file_line_and_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "customer,name\n1,a\n")
    with pytest.raises(ImportFormatError) as caught:
        read_all(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 1" in message
    assert "'id'" in message
    assert "'customer', 'name'" in message
    assert caught.value.line == 1


def test_single_column_header_with_another_delimiter_hints_at_it(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id;name\n1;a\n")
    with pytest.raises(ImportFormatError, match="try --delimiter ';'"):
        read_all(path, delimiter=",", optional={"name"})


def test_delimiter_option_accepts_names() -> None:
    assert tabular.normalise_delimiter("tab") == "\t"
    assert tabular.normalise_delimiter(";") == ";"
    assert tabular.normalise_delimiter(None) is None
    with pytest.raises(ValidationError):
        tabular.normalise_delimiter(";;")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbfid,name\r\n1,Z\xc3\xa9\r\n")
    assert read_all(path) == [Row(2, {"id": "1", "name": "Zé"})]


def test_utf16_file_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id\tname\r\n1\tZoé\r\n".encode("utf-16"))
    assert read_all(path) == [Row(2, {"id": "1", "name": "Zoé"})]


def test_latin1_bytes_in_utf8_file_name_the_line_and_hint_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"id,name\n1,ok\n2,caf\xe9\n")
    with pytest.raises(ImportFormatError) as caught:
        read_all(path)
    assert caught.value.line == 3
    assert "--encoding latin-1" in str(caught.value)


def test_latin1_file_reads_with_latin1_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"id,name\n2,caf\xe9\n")
    assert read_all(path, encoding="latin-1") == [Row(2, {"id": "2", "name": "café"})]


def test_unknown_encoding_is_a_validation_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id\n1\n")
    with pytest.raises(ValidationError, match="unknown encoding"):
        read_all(path, encoding="klingon-8")


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "")
    with pytest.raises(ImportFormatError, match="empty"):
        read_all(path)


def test_blank_only_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "\n\n  \n")
    with pytest.raises(ImportFormatError, match="empty"):
        read_all(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ImportFormatError, match="not a text file"):
        read_all(path)


def test_binary_detection_reads_only_the_start_of_a_huge_sparse_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(5 * 1024**3)  # 5 GB of NUL bytes, sparse: nothing is written
    started = time.perf_counter()
    with pytest.raises(ImportFormatError, match="not a text file"):
        read_all(path)
    assert time.perf_counter() - started < 1.0


def test_row_with_more_cells_than_header_is_a_problem_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "a.csv", "id,name\n1,a,extra\n2,b\n")
    rows = read_all(path)
    assert isinstance(rows[0], RowProblem)
    assert rows[0].line == 2
    assert "3 cells" in rows[0].reason
    assert rows[1] == Row(3, {"id": "2", "name": "b"})


def test_trailing_empty_cells_and_short_rows_are_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,name,city,\n1,a,,,\n2\n")
    assert read_all(path) == [
        Row(2, {"id": "1", "name": "a", "city": ""}),
        Row(3, {"id": "2", "name": "", "city": ""}),
    ]


def test_blank_rows_are_skipped_and_line_numbers_stay_physical(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'id,text\n1,"two\nlines"\n\n,\n3,x\n')
    assert read_all(path) == [
        Row(2, {"id": "1", "text": "two\nlines"}),
        Row(6, {"id": "3", "text": "x"}),
    ]


def test_unclosed_quote_at_end_of_file_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'id,text\n1,ok\n2,"never\nclosed\n')
    rows = read_all(path)
    assert rows[0] == Row(2, {"id": "1", "text": "ok"})
    assert isinstance(rows[1], RowProblem)
    assert "never closed" in rows[1].reason


def test_duplicate_columns_after_mapping_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,Mail,email\n1,a,b\n")
    with pytest.raises(ImportFormatError, match="two columns both mean 'email'"):
        read_all(path, optional={"email"}, column_map={"Mail": "email"})


def test_extra_columns_can_be_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,colour\n1,red\n")
    with pytest.raises(ImportFormatError, match="unknown column 'colour'"):
        read_all(path, allow_extra=False)


def test_position_reaches_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,name\n" + "".join(f"{i},n{i}\n" for i in range(5000)))
    with open_rows(path, required={"id"}) as rows:
        positions = [rows.position for _ in rows]
    assert positions == sorted(positions)
    assert rows.position == path.stat().st_size


def test_check_header_reads_the_header_only(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", b"id;name\n1;ok\n2;caf\xe9\n")
    header = tabular.check_header(path, required={"id"}, optional={"name"})
    assert header.columns == ("id", "name")
    assert header.delimiter == ";"
    assert header.format == "csv"


def test_jsonl_rows_become_text_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.jsonl",
        '{"id": 1, "ok": true, "score": 1e-05, "tags": ["a", "b"], "meta": {"k": 1}, "n": null}\n'
        "\n"
        '{"ID": "2"}\n',
    )
    assert read_all(path) == [
        Row(
            1,
            {
                "id": "1",
                "ok": "true",
                "score": "0.00001",
                "tags": "a;b",
                "meta": '{"k":1}',
            },
        ),
        Row(3, {"id": "2"}),
    ]


def test_jsonl_non_object_and_invalid_lines_are_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '{"id": "1"}\n[1, 2]\n{"id": \n{"name": "x"}\n')
    rows = read_all(path)
    assert rows[0] == Row(1, {"id": "1"})
    assert [(r.line, type(r).__name__) for r in rows[1:]] == [
        (2, "RowProblem"),
        (3, "RowProblem"),
        (4, "RowProblem"),
    ]
    assert isinstance(rows[1], RowProblem)
    assert "array" in rows[1].reason
    assert isinstance(rows[3], RowProblem)
    assert rows[3].field == "id"


def test_jsonl_first_object_without_required_key_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '{"customer": "1"}\n')
    with pytest.raises(ImportFormatError, match="missing required column 'id'"):
        read_all(path)


def test_jsonl_is_detected_from_content(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", '{"id": "1"}\n')
    with open_rows(path, required={"id"}) as rows:
        assert rows.header.format == "jsonl"


def test_row_problem_becomes_a_rejection_at_file_and_line(tmp_path: Path) -> None:
    problem = RowProblem(7, "bad", field="kind")
    rejection = problem.rejection(tmp_path / "x.csv", external_id="42")
    assert rejection.location == f"{tmp_path / 'x.csv'}:7"
    assert (rejection.reason, rejection.field, rejection.external_id) == ("bad", "kind", "42")


# -- property: whatever csv.writer writes, open_rows reads back -----------------

_HEADER_NAME = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            categories=("L", "N", "Zs", "P", "S"),
            exclude_characters=',;\t|"\r\n',
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
_CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),  # utf-8: no surrogates
    max_size=20,
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(_HEADER_NAME, min_size=2, max_size=6, unique_by=lambda n: n.casefold()))
    rows = draw(st.lists(st.lists(_CELL, min_size=len(header), max_size=len(header))))
    return header, rows


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]), sniff=st.booleans())
def test_property_any_table_written_by_csv_writer_reads_back_identical(
    tmp_path: Path,
    table: tuple[list[str], list[list[str]]],
    delimiter: str,
    sniff: bool,
) -> None:
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "table.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    with open_rows(path, required=set(), delimiter=None if sniff else delimiter) as reader:
        assert reader.header.delimiter == delimiter
        read = [item.values for item in reader if isinstance(item, Row)]
    # Rows whose cells are all blank carry nothing and are skipped by design.
    expected = [dict(zip(header, row, strict=True)) for row in rows if any(c.strip() for c in row)]
    assert read == expected


def test_cells_come_in_the_order_asked_with_empty_text_for_what_a_row_or_file_lacks(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "p.csv",
        'Email,ID,Nom\nana@example.ch,1,"Ana, la première"\n\nbob@example.org,2\n1,2,3,4\n',
    )
    with open_rows(path, required={"id"}, optional={"email", "name"}) as reader:
        rows = list(reader.cells(["id", "name", "email", "phone"]))
    assert rows[:2] == [
        tabular.Cells(2, ("1", "", "ana@example.ch", "")),
        tabular.Cells(4, ("2", "", "bob@example.org", "")),
    ]
    assert isinstance(rows[2], RowProblem)  # one cell too many
    assert rows[2].line == 5


def test_jsonl_cells_are_the_values_of_the_keys_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, "p.jsonl", '{"id": 7, "name": "Zoé"}\n{"id": "8", "email": null}\n')
    with open_rows(path, required={"id"}, optional={"email", "name"}) as reader:
        rows = list(reader.cells(["email", "id", "name"]))
    assert rows == [tabular.Cells(1, ("", "7", "Zoé")), tabular.Cells(2, ("", "8", ""))]
