package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/** Provider bills through {@code POST /v1/bill-imports}: all or nothing, at most once, streamed. */
@QuarkusTest
class BillImportApiTest {

    static final String CUR_LEGACY_HEADER = "identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,"
            + "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,"
            + "lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,pricing/publicOnDemandCost,product/region\n";

    @Inject
    AgroalDataSource db;

    @Test
    void aCurFileIsImportedOnceAndTheSameBytesAgainAreANoOp() {
        String cur = CUR_LEGACY_HEADER
                + "a1,111,222,Usage,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,AmazonEC2,EUW1-BoxUsage:m5.large,i-imp1,1,USD,0.107,0.107,eu-west-1\n"
                + "a2,111,222,Usage,2024-01-01T11:00:00Z,2024-01-01T12:00:00Z,AmazonEC2,EUW1-BoxUsage:m5.large,i-imp1,1,USD,0.107,0.107,eu-west-1\n"
                + "a3,111,222,Tax,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,AmazonEC2,,,,USD,0.05,,\n";
        byte[] bytes = cur.getBytes(StandardCharsets.UTF_8);

        Response first = upload("aws", "text/csv", bytes).then().statusCode(201)
                .body("format", equalTo("CUR_LEGACY")).body("lines", equalTo(3)).extract().response();
        String id = first.path("id");
        assertThat(lines(id)).isEqualTo(3);

        upload("aws", "text/csv", bytes).then().statusCode(200)
                .header("Skydeck-Import-Repeated", "true").body("id", equalTo(id));
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM bill_line WHERE resource_id = 'i-imp1'")).isEqualTo(2);
        RestAssured.given().header("Authorization", Tokens.finance()).get("/v1/bill-imports?limit=500").then().statusCode(200)
                .body("items.id", hasItem(id));
    }

    @Test
    void theSameBillGzippedIsTheEarlierImportAndAddsNoLines() {
        String cur = CUR_LEGACY_HEADER
                + "g1,111,222,Usage,2024-06-01T10:00:00Z,2024-06-01T11:00:00Z,AmazonEC2,EUW1-BoxUsage:m5.large,i-gz1,1,USD,0.107,0.107,eu-west-1\n"
                + "g2,111,222,Usage,2024-06-01T11:00:00Z,2024-06-01T12:00:00Z,AmazonEC2,EUW1-BoxUsage:m5.large,i-gz1,1,USD,0.107,0.107,eu-west-1\n";
        byte[] csv = cur.getBytes(StandardCharsets.UTF_8);
        String id = upload("aws", "text/csv", csv).then().statusCode(201).extract().path("id");

        upload("aws", "application/gzip", gzip(csv)).then().statusCode(200)
                .header("Skydeck-Import-Repeated", "true").body("id", equalTo(id)).body("lines", equalTo(2));

        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM bill_line WHERE resource_id = 'i-gz1'")).isEqualTo(2);
    }

    @Test
    void aGzippedCur2FileIsRecognisedByItsBytes() {
        String cur2 = "identity_line_item_id,bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,"
                + "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,line_item_resource_id,"
                + "line_item_usage_amount,line_item_currency_code,line_item_unblended_cost,pricing_public_on_demand_cost\n"
                + "b1,111,222,Usage,2024-02-01 10:00:00,2024-02-01 11:00:00,AmazonEC2,BoxUsage:m5.large,i-imp2,1,USD,0.096,0.096\n";
        upload("aws", "application/gzip", gzip(cur2.getBytes(StandardCharsets.UTF_8))).then().statusCode(201)
                .body("format", equalTo("CUR_2")).body("lines", equalTo(1));
    }

    @Test
    void aFocusFileIsImported() {
        String focus = "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ResourceId,"
                + "ServiceName,SkuId,BilledCost,EffectiveCost,ListCost,ConsumedQuantity,ConsumedUnit,BillingCurrency\n"
                + "2024-03-01T00:00:00Z,2024-04-01T00:00:00Z,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,Usage,OpenStack,vm-1,Compute,m1.large,"
                + "0.08,0.08,0.08,1,Hour,USD\n"
                + "2024-03-01T00:00:00Z,2024-04-01T00:00:00Z,2024-03-01T01:00:00Z,2024-03-01T02:00:00Z,Usage,OpenStack,vm-1,Compute,m1.large,"
                + "0.08,0.08,0.08,1,Hour,USD\n";
        Response imported = upload("openstack", "text/csv", focus.getBytes(StandardCharsets.UTF_8)).then().statusCode(201)
                .body("format", equalTo("FOCUS")).body("lines", equalTo(2)).body("provider", equalTo("openstack")).extract().response();
        assertThat(lines(imported.path("id"))).isEqualTo(2);
    }

    @Test
    void aBadRowRejectsTheWholeFileNamingItsLine() {
        String cur = CUR_LEGACY_HEADER
                + "c1,111,222,Usage,2024-04-01T10:00:00Z,2024-04-01T11:00:00Z,AmazonEC2,BoxUsage:m5.large,i-bad,1,USD,0.107,0.107,us-east-1\n"
                + "c2,111,222,Usage,2024-04-01T11:00:00Z,2024-04-01T12:00:00Z,AmazonEC2,BoxUsage:m5.large,i-bad,1,USD,0.107,0.107,us-east-1\n"
                + "c3,111,222,Usage,2024-04-01T12:00:00Z,2024-04-01T13:00:00Z,AmazonEC2,BoxUsage:m5.large,i-bad,1,USD,ten cents,0.107,us-east-1\n";
        upload("aws", "text/csv", cur.getBytes(StandardCharsets.UTF_8)).then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"))
                .body("detail", containsString("line 4"))
                .body("detail", containsString("'ten cents'"))
                .body("errors[0].field", equalTo("line 4"));
        assertThat(FinanceFixtures.count(db, "SELECT count(*) FROM bill_line WHERE resource_id = 'i-bad'")).isZero();
    }

    @Test
    void aLargeGzippedFileStreamsThroughInOneImport() {
        StringBuilder cur = new StringBuilder(CUR_LEGACY_HEADER);
        int rows = 20_000;
        for (int i = 0; i < rows; i++) {
            cur.append("d").append(i).append(",111,222,Usage,2024-05-01T10:00:00Z,2024-05-01T11:00:00Z,AmazonEC2,BoxUsage:m5.large,i-big")
                    .append(i % 100).append(",1,USD,0.107,0.107,us-east-1\n");
        }
        Response imported = upload("aws", "application/octet-stream", gzip(cur.toString().getBytes(StandardCharsets.UTF_8)))
                .then().statusCode(201).body("lines", equalTo(rows)).extract().response();
        assertThat(lines(imported.path("id"))).isEqualTo(rows);
    }

    @Test
    void aBrokenGzipOrAMissingProviderIsAClientError() {
        byte[] broken = new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
        upload("aws", "application/gzip", broken).then().statusCode(400).contentType("application/problem+json");
        upload(null, "text/csv", CUR_LEGACY_HEADER.getBytes(StandardCharsets.UTF_8)).then().statusCode(400)
                .body("errors[0].field", equalTo("provider"));
        upload("aws", "text/csv", "no,bill,here\n1,2,3\n".getBytes(StandardCharsets.UTF_8)).then().statusCode(400)
                .body("detail", containsString("line 1")).body("detail", not(containsString("Exception")));
    }

    private long lines(String importId) {
        return FinanceFixtures.count(db, "SELECT count(*) FROM bill_line WHERE import_id = ?", UUID.fromString(importId));
    }

    static Response upload(String provider, String contentType, byte[] body) {
        var request = RestAssured.given().header("Authorization", Tokens.finance()).contentType(contentType).body(body);
        if (provider != null) {
            request.queryParam("provider", provider);
        }
        return request.post("/v1/bill-imports");
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
}
