package io.skydeck.support;

import io.restassured.response.Response;

import java.util.Set;

import static io.skydeck.support.Api.as;

/** Waits for an operation to finish, the way a client polls {@code /v1/operations/{id}}. */
public final class Operations {

    private Operations() {
    }

    public static Response awaitFinished(String authorization, String operationId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response op = as(authorization).get("/v1/operations/" + operationId).then().statusCode(200).extract().response();
            if (Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(op.<String>path("state"))) {
                return op;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("operation " + operationId + " did not finish in 30 s: " + op.asString());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
