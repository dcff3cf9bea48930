package io.skydeck.support;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.response.Response;
import io.skydeck.operations.OperationRunner;
import jakarta.persistence.EntityManager;

import java.util.Set;
import java.util.function.BooleanSupplier;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/** Waits for operations: as a client polls {@code /v1/operations/{id}}, or by running the runner until none is open. */
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

    /** Waits up to 10 s for {@code condition}; fails naming {@code what} if it never holds. */
    public static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            pause(10);
        }
    }

    /** Sleeps, for tests that poll. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Waits (at most 20 s, the runner running) until no operation of {@code kind} is still PENDING —
     * before a test injects a sandbox fault for that call: faults are global, and a create of an
     * earlier test still waiting for its default network would take the fault.
     */
    public static void awaitNonePending(EntityManager em, String kind) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT count(*) FROM operation WHERE state = 'PENDING' AND kind = ?1").setParameter(1, kind).getSingleResult()))
                .intValue() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(kind + " operations still pending after 20 s");
            }
            pause(50);
        }
    }

    /** Runner passes until no operation is open (read in a transaction of its own), for at most 20 s. */
    public static void drain(OperationRunner runner, EntityManager em) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            runner.runOnce();
            Number open = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                    "SELECT count(*) FROM operation WHERE state IN ('PENDING', 'RUNNING')").getSingleResult());
            if (open.intValue() == 0) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("operations still open after 20 s");
    }
}
