package io.skydeck.billing.bills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class BillImportTest {

    static byte[] resource(String name) {
        try (InputStream in = BillImportTest.class.getResourceAsStream("/bills/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static List<BillLine> readAll(byte[] bytes) {
        List<BillLine> lines = new ArrayList<>();
        try (BillImport in = BillImport.open(new ByteArrayInputStream(bytes))) {
            in.forEachRemaining(lines::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** Records staged lines and what became of them. */
    static final class Staging implements ImportStaging {
        final List<BillLine> staged = new ArrayList<>();
        final List<BillLine> committed = new ArrayList<>();

        public void stage(BillLine line) {
            staged.add(line);
        }

        public void commit(String sha256) {
            committed.addAll(staged);
            staged.clear();
        }

        public void discard() {
            staged.clear();
        }
    }

    @Test
    void legacyCurColumnsAreReadWithCommitmentEffectiveCostAndAccountLevelTax() {
        List<BillLine> lines = readAll(resource("cur-legacy.csv"));

        assertThat(lines).hasSize(3);
        BillLine onDemand = lines.get(0);
        assertThat(onDemand.format()).isEqualTo(BillFormat.CUR_LEGACY);
        assertThat(onDemand.lineNumber()).isEqualTo(2);
        assertThat(onDemand.resourceId()).isEqualTo("i-vm1");
        assertThat(onDemand.usageType()).isEqualTo("EUW1-BoxUsage:m5.large");
        assertThat(onDemand.subAccountId()).isEqualTo("222222222222");
        assertThat(onDemand.billedCost()).isEqualByComparingTo("0.107");
        assertThat(onDemand.chargePeriodStart()).isEqualTo(Instant.parse("2024-01-01T10:00:00Z"));
        BillLine reserved = lines.get(1);
        assertThat(reserved.billedCost()).isEqualByComparingTo("0");
        assertThat(reserved.effectiveCost()).isEqualByComparingTo("0.064");
        assertThat(reserved.listCost()).isEqualByComparingTo("0.107");
        assertThat(reserved.commitmentDiscountStatus()).isEqualTo("Used");
        assertThat(reserved.commitmentDiscountId()).endsWith("ri-1");
        assertThat(lines.get(2).chargeCategory()).isEqualTo("Tax");
        assertThat(lines.get(2).resourceId()).isNull();
    }

    @Test
    void cur2ColumnNamesInAGzippedFileAreRecognisedByMagicBytes() {
        String cur2 = """
                identity_line_item_id,bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,line_item_resource_id,line_item_usage_amount,line_item_currency_code,line_item_unblended_cost,pricing_public_on_demand_cost,savings_plan_savings_plan_effective_cost,savings_plan_savings_plan_a_r_n
                b1,111,222,SavingsPlanCoveredUsage,2024-01-01 10:00:00,2024-01-01 11:00:00,AmazonEC2,BoxUsage:m5.large,i-vm3,1,USD,0.096,0.096,0.061,arn:aws:savingsplans::222:savingsplan/sp-1
                """;

        List<BillLine> lines = readAll(gzip(cur2.getBytes(StandardCharsets.UTF_8)));

        assertThat(lines).singleElement().satisfies(l -> {
            assertThat(l.format()).isEqualTo(BillFormat.CUR_2);
            assertThat(l.resourceId()).isEqualTo("i-vm3");
            assertThat(l.effectiveCost()).isEqualByComparingTo("0.061");
            assertThat(l.commitmentDiscountId()).endsWith("sp-1");
            assertThat(l.chargePeriodStart()).isEqualTo(Instant.parse("2024-01-01T10:00:00Z"));
        });
    }

    @Test
    void theFocusSpecExamplesAreReadIncludingNullsAndBlankLines() {
        List<BillLine> lines = readAll(resource("focus-spec-examples/commitment_discount_usage_scenario_3.csv"));

        // Line 2: used 0.75 of the commitment; line 3: the unused 0.25 on the commitment itself.
        assertThat(lines).extracting(BillLine::lineNumber, BillLine::commitmentDiscountStatus, BillLine::effectiveCost).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2L, "Used", new BigDecimal("0.75")),
                org.assertj.core.groups.Tuple.tuple(3L, "Unused", new BigDecimal("0.25")));
        assertThat(lines.get(1).quantity()).isNull(); // "null" in the file

        List<BillLine> flexible = readAll(resource("focus-spec-examples/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv"));
        // Rows on lines 2, 4 and 6; lines 3, 5 and 7 are blank.
        assertThat(flexible).extracting(BillLine::lineNumber).containsExactly(2L, 4L, 6L);
        assertThat(flexible).extracting(BillLine::format).containsOnly(BillFormat.FOCUS);
        assertThat(flexible.get(0).chargeCategory()).isEqualTo("Purchase");
        assertThat(flexible.get(1).usageType()).isEqualTo("VM_MEDIUM");
    }

    @Test
    void everyFocusSpecExampleWithoutAnImpossibleTimestampReads() {
        for (String name : List.of("commitment_discount_purchase_scenario_1.csv",
                "commitment_discount_usage_scenario_1.csv", "commitment_discount_usage_scenario_2.csv",
                "commitment_discount_usage_scenario_4.csv",
                "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv",
                "one_hundred_percent_utilization_without_commitment_discount_flexibility.csv",
                "zero_percent_utilization_without_commitment_discount_flexibility.csv")) {
            assertThat(readAll(resource("focus-spec-examples/" + name))).as(name).isNotEmpty();
        }
        // Scenario 3 repeats the hour-30 timestamp of scenario 2, on its line 5.
        assertThatThrownBy(() -> readAll(resource("focus-spec-examples/commitment_discount_purchase_scenario_3.csv")))
                .isInstanceOfSatisfying(BillFormatException.class, e -> assertThat(e.line()).isEqualTo(5));
    }

    @Test
    void aBadRowIsReportedWithItsLineNumberAndNothingOfTheFileIsKept() {
        // In the spec example, line 4 ends its charge period at "2023-02-01T30:00:00Z" (hour 30).
        Staging staging = new Staging();

        ImportOutcome outcome = new BillImporter(ImportedFiles.inMemory()).importFile(
                new ByteArrayInputStream(resource("focus-spec-examples/commitment_discount_purchase_scenario_2.csv")), staging);

        assertThat(outcome).isInstanceOfSatisfying(ImportOutcome.Rejected.class, r -> {
            assertThat(r.line()).isEqualTo(4);
            assertThat(r.message()).contains("ChargePeriodEnd").contains("2023-02-01T30:00:00Z");
        });
        assertThat(staging.staged).isEmpty();
        assertThat(staging.committed).isEmpty();
    }

    @Test
    void aBadRowInAGzippedCurFileCountsLinesInsideQuotedMultiLineFields() {
        String cur = """
                lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UnblendedCost,lineItem/LineItemDescription
                Usage,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,0.10,"two
                lines"
                Usage,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,ten cents,plain
                """;

        assertThatThrownBy(() -> readAll(gzip(cur.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(BillFormatException.class, e -> assertThat(e.line()).isEqualTo(4))
                .hasMessageContaining("lineItem/UnblendedCost").hasMessageContaining("'ten cents'");
    }

    @Test
    void aRowWithTheWrongNumberOfFieldsIsRejected() {
        String focus = "BilledCost,ChargePeriodStart,ChargePeriodEnd\n1.00,2024-01-01T00:00:00Z\n";

        assertThatThrownBy(() -> readAll(focus.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(BillFormatException.class, e -> assertThat(e.line()).isEqualTo(2))
                .hasMessageContaining("expected 3 fields");
    }

    @Test
    void reImportingTheSameFileIsANoOpRecognisedByItsDigest() {
        byte[] file = gzip(resource("cur-legacy.csv"));
        BillImporter importer = new BillImporter(ImportedFiles.inMemory());
        Staging staging = new Staging();

        ImportOutcome first = importer.importFile(new ByteArrayInputStream(file), staging);
        ImportOutcome second = importer.importFile(new ByteArrayInputStream(file), staging);

        assertThat(first.kind()).isEqualTo(ImportOutcome.Kind.IMPORTED);
        assertThat(second).isInstanceOfSatisfying(ImportOutcome.AlreadyImported.class,
                a -> assertThat(a.sha256()).isEqualTo(((ImportOutcome.Imported) first).sha256()));
        assertThat(staging.committed).hasSize(3);
    }

    @Test
    void theSameBillAsCsvAndAsCsvGzIsOneImport() {
        byte[] csv = resource("cur-legacy.csv");
        BillImporter importer = new BillImporter(ImportedFiles.inMemory());
        Staging staging = new Staging();

        ImportOutcome plain = importer.importFile(new ByteArrayInputStream(csv), staging);
        ImportOutcome gzipped = importer.importFile(new ByteArrayInputStream(gzip(csv)), staging);

        assertThat(plain.kind()).isEqualTo(ImportOutcome.Kind.IMPORTED);
        assertThat(gzipped).isInstanceOfSatisfying(ImportOutcome.AlreadyImported.class,
                a -> assertThat(a.sha256()).isEqualTo(((ImportOutcome.Imported) plain).sha256()));
        assertThat(staging.committed).hasSize(3);
    }

    @Test
    void theDigestIsTheSha256OfTheUncompressedContent() throws Exception {
        byte[] file = resource("cur-legacy.csv");
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file));

        try (BillImport in = BillImport.open(new ByteArrayInputStream(file))) {
            assertThatThrownBy(in::sha256).isInstanceOf(IllegalStateException.class);
            in.forEachRemaining(l -> { });
            assertThat(in.sha256()).isEqualTo(expected);
        }
        try (BillImport in = BillImport.open(new ByteArrayInputStream(gzip(file)))) {
            in.forEachRemaining(l -> { });
            assertThat(in.sha256()).isEqualTo(expected);
        }
    }
}
