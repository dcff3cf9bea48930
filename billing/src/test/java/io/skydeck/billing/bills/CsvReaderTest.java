package io.skydeck.billing.bills;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.io.StringWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reader's fast path (an unquoted field read in one piece from the buffer) must read exactly
 * what the character-at-a-time path did: every record CsvWriter writes comes back as it was,
 * whatever its quotes, commas, line breaks, and wherever the 64 KiB buffer ends.
 */
class CsvReaderTest {

    @Property(tries = 60)
    void whatTheWriterWroteIsReadBackExactly(@ForAll("files") List<List<String>> records) {
        StringWriter text = new StringWriter();
        CsvWriter writer = new CsvWriter(text);
        records.forEach(writer::row);
        writer.flush();

        CsvReader reader = new CsvReader(new StringReader(text.toString()));
        List<List<String>> read = new ArrayList<>();
        for (List<String> r = reader.next(); r != null; r = reader.next()) {
            read.add(r);
        }

        assertThat(read).isEqualTo(records);
    }

    @Test
    void crlfBareQuotesInsideAFieldAndAFieldAcrossTheBufferEnd() {
        String longField = "x".repeat(64 * 1024 - 3) + "yz";
        String text = "a,b\"c,\"q,\"\"d\"\"\"\r\n" + "1," + longField + ",3\n" + "last,no newline";
        CsvReader reader = new CsvReader(new StringReader(text));

        assertThat(reader.next()).containsExactly("a", "b\"c", "q,\"d\"");
        assertThat(reader.recordLine()).isEqualTo(1);
        assertThat(reader.next()).containsExactly("1", longField, "3");
        assertThat(reader.recordLine()).isEqualTo(2);
        assertThat(reader.next()).containsExactly("last", "no newline");
        assertThat(reader.next()).isNull();
    }

    @Property(tries = 300)
    void theFastInstantPathAgreesWithTheIsoParser(@ForAll("instants") Instant t) {
        String text = t.toString();
        assertThat(BillColumns.parseInstant(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @Test
    void impossibleDatesAreStillRejected() {
        assertThat(BillColumns.parseInstant("2024-02-30T10:00:00Z")).isNull();
        assertThat(BillColumns.parseInstant("2024-13-01T10:00:00Z")).isNull();
        assertThat(BillColumns.parseInstant("2024-01-01T24:00:00Z")).isNull();
        assertThat(BillColumns.parseInstant("2024-01-01T10:00:00+02:00")).isEqualTo(Instant.parse("2024-01-01T08:00:00Z"));
    }

    @Provide
    Arbitrary<List<List<String>>> files() {
        Arbitrary<String> field = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abc ,\"\r\n\t;é").ofMaxLength(12),
                Arbitraries.strings().alpha().numeric().ofMinLength(0).ofMaxLength(40),
                Arbitraries.strings().alpha().ofMinLength(2000).ofMaxLength(9000));
        // At least two fields per record: a record of one empty field is a blank line, which readers skip.
        return field.list().ofMinSize(2).ofMaxSize(8).list().ofMinSize(1).ofMaxSize(40);
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(0, 4_102_444_800L).map(Instant::ofEpochSecond);
    }
}
