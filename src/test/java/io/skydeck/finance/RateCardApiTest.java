package io.skydeck.finance;

import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

@QuarkusTest
class RateCardApiTest {

    @Test
    void aCardWithTheSameNameIsTheNextVersionAndCanBeReadBack() {
        String name = uniqueName("list");
        Map<String, Object> card = card(name, List.of(
                Map.of("meter", "SERVER_HOURS", "flavor", "m1.small", "price", Map.of("type", "per-unit", "unitPrice", 0.02)),
                Map.of("meter", "EGRESS_GB", "price", Map.of("type", "flat", "amount", 5)),
                Map.of("meter", "PUBLIC_IP_HOURS", "fixedPerPeriod", 2, "price", Map.of("type", "volume",
                        "tiers", List.of(Map.of("upTo", 720, "unitPrice", 0.005), Map.of("unitPrice", 0.004))))));
        String first = as(Tokens.finance()).body(card).post("/v1/rate-cards").then().statusCode(201)
                .body("version", equalTo(1)).body("rates.size()", equalTo(3)).extract().path("id");
        String second = as(Tokens.finance()).body(card).post("/v1/rate-cards").then().statusCode(201)
                .body("version", equalTo(2)).extract().path("id");
        as(Tokens.finance()).get("/v1/rate-cards/" + first).then().statusCode(200)
                .body("name", equalTo(name)).body("rates[1].price.type", equalTo("flat"));
        as(Tokens.finance()).queryParam("name", name).get("/v1/rate-cards").then().statusCode(200)
                .body("items.id", hasItems(first, second)).body("items.size()", equalTo(2));
    }

    @Test
    void badInputIsA400ListingEveryField() {
        Map<String, Object> card = new HashMap<>(card("Bad Name", List.of(
                Map.of("meter", "LEMONS", "price", Map.of("type", "per-unit", "unitPrice", 1)),
                Map.of("meter", "VCPU_HOURS", "price", Map.of("type", "tiered", "tiers", List.of(Map.of("upTo", 10, "unitPrice", 0.01)))),
                Map.of("meter", "GPU_HOURS", "price", Map.of("type", "per-unit", "unitPrice", -1)),
                Map.of("meter", "SERVER_HOURS", "price", Map.of("type", "per-unit", "unitPrice", 0.123456789012)))));
        card.put("currency", "dollars");
        card.put("effectiveTo", "2019-01-01T00:00:00Z");
        as(Tokens.finance()).body(card).post("/v1/rate-cards").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("name", "currency", "effectiveTo", "rates[0].meter", "rates[1].price",
                        "rates[2].price.unitPrice", "rates[3].price"))
                .body("detail", containsString("open tier"));
        as(Tokens.finance()).body("{\"name\":\"x\",\"rates\":[{\"meter\":\"SERVER_HOURS\",\"price\":{\"type\":\"per-unit\",\"unitPrice\":\"abc\"}}]}")
                .post("/v1/rate-cards").then().statusCode(400);
        as(Tokens.finance()).body("{\"name\":\"x\",\"colour\":\"red\"}").post("/v1/rate-cards").then().statusCode(400);
    }

    private static Map<String, Object> card(String name, List<Map<String, Object>> rates) {
        return Map.of("name", name, "provider", "openstack", "region", "*", "currency", "USD",
                "effectiveFrom", "2020-01-01T00:00:00Z", "rates", rates);
    }
}
