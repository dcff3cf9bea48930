package io.skydeck.release.analysis.prometheus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads an answer of Prometheus's {@code /api/v1/query} into one number. The documented shape:
 * {@code {"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[t,"0.99"]}]}}},
 * or {@code "scalar"} with {@code "result":[t,"0.99"]}; failures are
 * {@code {"status":"error","errorType":"bad_data","error":"…"}} with a 4xx or 5xx status.
 *
 * <p>Anything but exactly one finite value is a {@link QueryAnswer.NoValue} with the reason:
 * an empty vector (the series do not exist yet, or the job is not scraped), several series
 * (a query that forgot its {@code sum}: which one would be judged?), {@code NaN} (a ratio of
 * two zero rates — no traffic) and infinities. None of them may ever pass a check.
 */
final class QueryResponseToAnswer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryResponseToAnswer() {
    }

    static QueryAnswer convert(int httpStatus, String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            root = null;
        }
        if (root == null || !root.isObject() || !root.hasNonNull("status")) {
            return new QueryAnswer.NoValue("HTTP " + httpStatus + " without a query API answer: " + excerpt(body));
        }
        String status = root.get("status").asText();
        if ("error".equals(status)) {
            return new QueryAnswer.NoValue("query failed (HTTP " + httpStatus + ", " + root.path("errorType").asText("no errorType")
                    + "): " + root.path("error").asText("no error message"));
        }
        if (!"success".equals(status) || httpStatus / 100 != 2) {
            return new QueryAnswer.NoValue("HTTP " + httpStatus + " with status '" + status + "'");
        }
        JsonNode data = root.path("data");
        String type = data.path("resultType").asText("");
        JsonNode result = data.path("result");
        return switch (type) {
            case "scalar" -> sample(result, "scalar");
            case "vector" -> vector(result);
            case "matrix" -> new QueryAnswer.NoValue("the query returned a range (matrix); a check needs one instant value");
            default -> new QueryAnswer.NoValue("the query returned a " + (type.isEmpty() ? "result without resultType" : type)
                    + "; a check needs a number");
        };
    }

    private static QueryAnswer vector(JsonNode result) {
        if (!result.isArray()) {
            return new QueryAnswer.NoValue("a vector answer without a result list");
        }
        if (result.isEmpty()) {
            return new QueryAnswer.NoValue("the query matched no series (no data yet, or the target is not scraped)");
        }
        if (result.size() > 1) {
            return new QueryAnswer.NoValue("the query returned " + result.size()
                    + " series; a check needs one — aggregate it, e.g. with sum(...)");
        }
        return sample(result.get(0).path("value"), "vector");
    }

    /** A sample is {@code [unixSeconds, "value"]}: the value is a string so that NaN and ±Inf survive JSON. */
    private static QueryAnswer sample(JsonNode pair, String what) {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isTextual()) {
            return new QueryAnswer.NoValue("a " + what + " sample that is not [time, \"value\"]: " + pair);
        }
        String text = pair.get(1).asText();
        double value;
        try {
            value = switch (text) {
                // Go's formatting of the special values, which Java's parser does not read
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(text);
            };
        } catch (NumberFormatException e) {
            return new QueryAnswer.NoValue("the value '" + text + "' is not a number");
        }
        if (Double.isNaN(value)) {
            return new QueryAnswer.NoValue("the query evaluated to NaN (a ratio of zero rates: no traffic in the window?)");
        }
        if (Double.isInfinite(value)) {
            return new QueryAnswer.NoValue("the query evaluated to " + text + " (a division by zero?)");
        }
        return new QueryAnswer.Value(value);
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "…";
    }
}
