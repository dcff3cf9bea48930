package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.skydeck.finance.FinanceFixtures.Event;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.finance.FinanceFixtures.json;
import static io.skydeck.finance.FinanceFixtures.money;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * A tenant's server from request to invoice: lifecycle events at known instants are metered,
 * rated with a tenant's rate card, drafted and finalized into March's invoice; a late event
 * found after finalizing becomes correction lines on April's invoice, March staying as it was.
 */
@QuarkusTest
class InvoicingEndToEndTest {

    static final String SANDBOX = "sandbox";
    static final String REGION = "sbx-east-1";

    @Inject
    AgroalDataSource db;

    @Test
    void usageIsMeteredRatedInvoicedFinalizedAndCorrectedOnALaterInvoice() {
        UUID tenant = createTenant(uniqueName("billed"), quota(64, 256, 10, 10, 2));
        UUID project = createProject(tenant, "shop");
        String tenantToken = Tokens.tenant(tenant);
        Response accepted = as(tenantToken).body(Map.of("projectId", project.toString(), "name", "web-1", "flavor", "m1.large",
                        "image", "debian-12", "hints", Map.of("region", REGION)))
                .post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(awaitFinished(tenantToken, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        UUID serverA = UUID.fromString(accepted.path("resource.id"));
        UUID serverB = UUID.randomUUID();

        // Server A ran on 10 March: m1.large (4 vCPU, 8 GiB) 08:00-10:30, resized to m1.xlarge
        // (8 vCPU, 16 GiB) until deleted at 12:00. Server B (m1.large) started at 23:00 on 31 March
        // and was deleted at 02:00 on 1 April: its usage is split at the month boundary.
        FinanceFixtures.insert(db, List.of(
                event(tenant, serverA, "CREATED", "2025-03-10T08:00:00Z", "m1.large", 4000, 8192),
                event(tenant, serverA, "RESIZED", "2025-03-10T10:30:00Z", "m1.xlarge", 8000, 16384),
                event(tenant, serverA, "DELETED", "2025-03-10T12:00:00Z", "m1.xlarge", 8000, 16384),
                event(tenant, serverB, "CREATED", "2025-03-31T23:00:00Z", "m1.large", 4000, 8192),
                event(tenant, serverB, "DELETED", "2025-04-01T02:00:00Z", "m1.large", 4000, 8192)));

        // March, per meter: A has 4 hours (08, 09, 10, 11); hour 10 holds 0.5 h of each flavor, so
        // A makes 5 server-hour records, 4 vCPU-hour and 4 GiB-hour records; B adds 3 at 23:00.
        Response metered = reprocess(tenant, "2025-03", "first close of March");
        assertThat(metered.<Integer>path("records")).isEqualTo(16);
        assertThat(metered.<Integer>path("added")).isEqualTo(16);
        Response again = reprocess(tenant, "2025-03", "idempotence check");
        assertThat(again.<Integer>path("records")).isEqualTo(16);
        assertThat(again.<Integer>path("added") + again.<Integer>path("removed") + again.<Integer>path("changed")).isZero();

        Response usage = as(tenantToken).queryParam("period", "2025-03").queryParam("meter", "VCPU_HOURS").queryParam("limit", 500)
                .get("/v1/usage").then().statusCode(200).extract().response();
        JsonPath u = json(usage);
        assertThat(u.getList("items")).hasSize(5);
        // 10:00-11:00: 0.5 h at 4 vCPUs + 0.5 h at 8 vCPUs = 6 vCPU-hours, exact to the second.
        assertThat(u.getObject("items.find { it.start == '2025-03-10T10:00:00Z' }.quantity", BigDecimal.class))
                .isEqualByComparingTo("6");
        List<String> vcpuRecordIds = u.getList("items.id");

        String card = as(Tokens.finance()).body(Map.of(
                        "name", uniqueName("shop-override"), "provider", SANDBOX, "region", REGION, "currency", "USD",
                        "effectiveFrom", "2025-01-01T00:00:00Z", "tenantId", tenant.toString(),
                        "rates", List.of(
                                Map.of("meter", "SERVER_HOURS", "flavor", "m1.large", "price", Map.of("type", "per-unit", "unitPrice", 0.08)),
                                Map.of("meter", "SERVER_HOURS", "flavor", "m1.xlarge", "price", Map.of("type", "per-unit", "unitPrice", 0.16)),
                                Map.of("meter", "VCPU_HOURS", "price", Map.of("type", "tiered", "tiers",
                                        List.of(Map.of("upTo", 10, "unitPrice", 0.01), Map.of("unitPrice", 0.005)))),
                                Map.of("meter", "MEMORY_GIB_HOURS", "fixedPerPeriod", 1.00, "price", Map.of("type", "volume", "tiers",
                                        List.of(Map.of("upTo", 100, "unitPrice", 0.002), Map.of("unitPrice", 0.001)))))))
                .post("/v1/rate-cards").then().statusCode(201).body("version", equalTo(1)).extract().path("id");
        assertThat(card).isNotBlank();

        // March, by hand:
        //   server-hours m1.large  2.5 (A) + 1 (B) = 3.5 h x 0.08          = 0.28
        //   server-hours m1.xlarge 1.5 h x 0.16                            = 0.24
        //   vCPU-hours 10 + 12 + 4 = 26: tiered 10 x 0.01 + 16 x 0.005      = 0.18
        //   GiB-hours 20 + 24 + 8 = 52: volume, all at 0.002 = 0.104       -> 0.10 (half-even)
        //   fixed part of the GiB-hour rate, once for the month             = 1.00
        //                                                             total = 1.80
        Response march = draft(tenant, "2025-03").then().statusCode(201)
                .body("status", equalTo("DRAFT")).body("lines.size()", equalTo(5)).extract().response();
        assertThat(money(march, "total")).isEqualByComparingTo("1.80");
        assertThat(line(march, "SERVER_HOURS", "m1.large", "USAGE")).isEqualByComparingTo("0.28");
        assertThat(line(march, "SERVER_HOURS", "m1.xlarge", "USAGE")).isEqualByComparingTo("0.24");
        assertThat(line(march, "VCPU_HOURS", "", "USAGE")).isEqualByComparingTo("0.18");
        assertThat(line(march, "MEMORY_GIB_HOURS", "", "USAGE")).isEqualByComparingTo("0.10");
        assertThat(line(march, "MEMORY_GIB_HOURS", "", "FIXED_FEE")).isEqualByComparingTo("1.00");
        // Every line traces back to the usage records it was computed from.
        assertThat(json(march).getList("lines.find { it.meter == 'VCPU_HOURS' }.usageRecordIds", String.class))
                .containsExactlyInAnyOrderElementsOf(vcpuRecordIds);
        String marchId = march.path("id");

        as(Tokens.finance()).post("/v1/invoices/" + marchId + "/finalize").then().statusCode(200)
                .body("status", equalTo("FINALIZED"));
        draft(tenant, "2025-03").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("finalized"));
        as(Tokens.finance()).post("/v1/invoices/" + marchId + "/finalize").then().statusCode(409);

        as(tenantToken).accept("text/csv").get("/v1/invoices/" + marchId).then().statusCode(200)
                .contentType(containsString("text/csv"))
                .body(startsWith("InvoiceId,TenantId,Period,Status,LineId,ChargeClass"))
                .body(containsString("FINALIZED"));

        // After finalizing, the provider reports that A was really deleted at 11:30. Reprocessing
        // March changes hour 11 (A's xlarge server-, vCPU- and GiB-hours); March's invoice does not.
        FinanceFixtures.insert(db, List.of(event(tenant, serverA, "DELETED", "2025-03-10T11:30:00Z", "m1.xlarge", 8000, 16384)));
        Response reprocessed = reprocess(tenant, "2025-03", "provider reported the real deletion time of web-1");
        assertThat(reprocessed.<Integer>path("changed")).isEqualTo(3);
        assertThat(money(as(tenantToken).get("/v1/invoices/" + marchId).then().statusCode(200).extract().response(), "total"))
                .isEqualByComparingTo("1.80");

        // April, by hand: B ran 00:00-02:00.
        //   server-hours m1.large 2 x 0.08 = 0.16; vCPU-hours 8 x 0.01 = 0.08;
        //   GiB-hours 16 x 0.002 = 0.032 -> 0.03; fixed 1.00                    regular = 1.27
        // Corrections of March (re-rated minus invoiced):
        //   m1.xlarge 1.0 h x 0.16 = 0.16 - 0.24                               = -0.08
        //   vCPU-hours 22: 0.10 + 12 x 0.005 = 0.16 - 0.18                      = -0.02
        //   GiB-hours 44 x 0.002 = 0.088 -> 0.09 - 0.10                         = -0.01
        //                                                                 total = 1.16
        reprocess(tenant, "2025-04", "close April");
        Response april = draft(tenant, "2025-04").then().statusCode(201).extract().response();
        JsonPath a = json(april);
        assertThat(money(april, "total")).isEqualByComparingTo("1.16");
        List<Map<String, Object>> corrections = a.getList("lines.findAll { it.chargeClass == 'CORRECTION' }");
        assertThat(corrections).hasSize(3).allSatisfy(l -> {
            assertThat(l.get("correctsInvoiceId")).isEqualTo(marchId);
            assertThat(l.get("chargePeriodStart")).isEqualTo("2025-03-01T00:00:00Z");
        });
        assertThat(corrections.stream().map(l -> (BigDecimal) l.get("amount")).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("-0.11");

        String focus = as(tenantToken).get("/v1/invoices/" + april.path("id") + "/focus").then().statusCode(200)
                .contentType(containsString("text/csv")).extract().asString();
        String[] rows = focus.split("\r\n");
        assertThat(rows[0]).startsWith("BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,"
                + "BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargePeriodEnd,ChargePeriodStart,ContractedCost,"
                + "EffectiveCost,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,ProviderName,PublisherName,ServiceCategory,ServiceName");
        assertThat(rows).hasSize(1 + 7);
        assertThat(List.of(rows).stream().filter(r -> r.contains(",Correction,")).count()).isEqualTo(3);

        as(tenantToken).queryParam("period", "2025-04").get("/v1/invoices").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("items[0].id", equalTo(april.path("id")));
    }

    @Test
    void reservedCapacityAndASpendCommitmentAreInvoicedAsUsedAndUnusedLines() {
        UUID tenant = createTenant(uniqueName("committed"));
        UUID vm1 = UUID.randomUUID();
        UUID vm2 = UUID.randomUUID();
        // Two m1.large servers (4 vCPU, 8 GiB) on 1 May: vm1 00:00-10:00, vm2 00:00-05:00.
        FinanceFixtures.insert(db, List.of(
                event(tenant, vm1, "CREATED", "2025-05-01T00:00:00Z", "m1.large", 4000, 8192),
                event(tenant, vm1, "DELETED", "2025-05-01T10:00:00Z", "m1.large", 4000, 8192),
                event(tenant, vm2, "CREATED", "2025-05-01T00:00:00Z", "m1.large", 4000, 8192),
                event(tenant, vm2, "DELETED", "2025-05-01T05:00:00Z", "m1.large", 4000, 8192)));
        reprocess(tenant, "2025-05", "close May");
        as(Tokens.finance()).body(Map.of("name", uniqueName("committed-card"), "provider", SANDBOX, "region", REGION, "currency", "USD",
                        "effectiveFrom", "2025-01-01T00:00:00Z", "tenantId", tenant.toString(),
                        "rates", List.of(
                                Map.of("meter", "SERVER_HOURS", "flavor", "m1.large", "price", Map.of("type", "per-unit", "unitPrice", 0.10)),
                                Map.of("meter", "VCPU_HOURS", "price", Map.of("type", "per-unit", "unitPrice", 0.01)),
                                Map.of("meter", "MEMORY_GIB_HOURS", "price", Map.of("type", "per-unit", "unitPrice", 0.002)))))
                .post("/v1/rate-cards").then().statusCode(201);
        String reserved = as(Tokens.finance()).body(CommitmentApiTest.reservation(tenant)).post("/v1/commitments")
                .then().statusCode(201).extract().path("id");
        String spend = as(Tokens.finance()).body(CommitmentApiTest.spend(tenant)).post("/v1/commitments")
                .then().statusCode(201).extract().path("id");

        // May, by hand. Reserved: one m1.large server-hour per hour for 1 May (24 h) at 0.06.
        //   hours 00-04 have two servers, one covered; hours 05-09 one, covered: 10 h covered
        //   used     10 x 0.06 = 0.60 (list 10 x 0.10 = 1.00)                            0.60
        //   unused   (24 - 10) x 0.06 = 0.84                                              0.84
        // Spend: 0.10/h of discounted spend at 50 % off, 08:00-10:00 (2 h). Only vm1 runs then and
        //   its server-hour is already reserved; 4 vCPU x 0.01 + 8 GiB x 0.002 = 0.056 list,
        //   0.028 discounted per hour, within the 0.10 budget:
        //   used     2 x 0.028 = 0.056 -> 0.06 (list 0.112 -> 0.11)                       0.06
        //   unused   2 x 0.10 - 0.056 = 0.144 -> 0.14                                     0.14
        // On demand, what is left:
        //   server-hours 15 - 10 = 5 x 0.10                                               0.50
        //   vCPU-hours 15 x 4 - 2 x 4 = 52 x 0.01                                         0.52
        //   GiB-hours 15 x 8 - 2 x 8 = 104 x 0.002 = 0.208 -> 0.21                        0.21
        //                                                                          total  2.87
        Response may = draft(tenant, "2025-05").then().statusCode(201).body("lines.size()", equalTo(7))
                .body("unratedUsageRecords", equalTo(0)).extract().response();
        JsonPath m = json(may);
        assertThat(money(may, "total")).isEqualByComparingTo("2.87");
        assertThat(commitmentLine(m, reserved, "COMMITMENT_USED", "quantity")).isEqualByComparingTo("10");
        assertThat(commitmentLine(m, reserved, "COMMITMENT_USED", "amount")).isEqualByComparingTo("0.60");
        assertThat(commitmentLine(m, reserved, "COMMITMENT_USED", "listAmount")).isEqualByComparingTo("1.00");
        assertThat(commitmentLine(m, reserved, "COMMITMENT_UNUSED", "quantity")).isEqualByComparingTo("14");
        assertThat(commitmentLine(m, reserved, "COMMITMENT_UNUSED", "amount")).isEqualByComparingTo("0.84");
        assertThat(commitmentLine(m, spend, "COMMITMENT_USED", "amount")).isEqualByComparingTo("0.06");
        assertThat(commitmentLine(m, spend, "COMMITMENT_USED", "listAmount")).isEqualByComparingTo("0.11");
        assertThat(commitmentLine(m, spend, "COMMITMENT_UNUSED", "amount")).isEqualByComparingTo("0.14");
        assertThat(line(may, "SERVER_HOURS", "m1.large", "USAGE")).isEqualByComparingTo("0.50");
        assertThat(line(may, "VCPU_HOURS", "", "USAGE")).isEqualByComparingTo("0.52");
        assertThat(line(may, "MEMORY_GIB_HOURS", "", "USAGE")).isEqualByComparingTo("0.21");
        // The covered server-hours trace back to the ten usage records the reservation took.
        assertThat(m.getList("lines.find { it.commitmentId == '" + reserved + "' && it.kind == 'COMMITMENT_USED' }.usageRecordIds"))
                .hasSize(10);
    }

    private static BigDecimal commitmentLine(JsonPath invoice, String commitmentId, String kind, String field) {
        return invoice.getObject("lines.find { it.commitmentId == '" + commitmentId + "' && it.kind == '" + kind + "' }." + field,
                BigDecimal.class);
    }

    private static Response reprocess(UUID tenant, String period, String reason) {
        return as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "period", period, "reason", reason))
                .post("/v1/usage/reprocess").then().statusCode(200).extract().response();
    }

    private static Response draft(UUID tenant, String period) {
        return as(Tokens.finance()).body(Map.of("tenantId", tenant.toString(), "period", period)).post("/v1/invoices");
    }

    private static BigDecimal line(Response invoice, String meter, String flavor, String kind) {
        return json(invoice).getObject("lines.find { it.meter == '" + meter + "' && it.flavor == '" + flavor + "' && it.kind == '"
                + kind + "' }.amount", BigDecimal.class);
    }

    private static Event event(UUID tenant, UUID resource, String kind, String at, String flavor, long vcpuMillis, long memoryMib) {
        return new Event(tenant, resource, kind, Instant.parse(at), SANDBOX, REGION, "srv-" + resource.toString().substring(0, 8),
                flavor, vcpuMillis, memoryMib);
    }
}
