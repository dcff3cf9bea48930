package io.skydeck.operations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/**
 * What an operation needs to remember between its request and its end (the flavor it resizes
 * to, the status to return to), kept as a small JSON object of strings in the operation row.
 */
public final class OperationParams {

    private OperationParams() {
    }

    public static String write(ObjectMapper json, Map<String, String> params) {
        try {
            return json.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store operation parameters", e);
        }
    }

    public static Map<String, String> read(ObjectMapper json, Operation op) {
        if (op.params() == null) {
            return Map.of();
        }
        try {
            return json.readValue(op.params(), new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("operation " + op.id() + " has unreadable parameters", e);
        }
    }
}
