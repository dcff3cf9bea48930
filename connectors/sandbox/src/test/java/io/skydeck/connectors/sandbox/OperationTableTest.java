package io.skydeck.connectors.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperationTableTest {

    private static final Instant T0 = Instant.parse("2026-12-02T06:00:00Z");

    private static SandboxOperation pending(String id, int dueInSeconds) {
        return new SandboxOperation(id, OperationKind.CREATE, new ResourceRef(ResourceType.SERVER, "srv-" + id, "region-1"),
                Optional.empty(), T0, T0.plusSeconds(dueInSeconds), Optional.empty(), Optional.empty(),
                SandboxOperation.Outcome.PENDING, false);
    }

    @Test
    void theDueOnesComeEarliestFirstWithTiesInIdOrderAndFinishedOnesLeaveTheIndex() {
        OperationTable table = new OperationTable();
        table.put("op-3", pending("op-3", 5));
        table.put("op-1", pending("op-1", 5));
        table.put("op-2", pending("op-2", 1));
        table.put("op-4", pending("op-4", 60));

        assertThat(table.dueBy(T0)).isEmpty();
        assertThat(table.dueBy(T0.plusSeconds(5))).extracting(SandboxOperation::id).containsExactly("op-2", "op-1", "op-3");

        table.put("op-2", table.get("op-2").finished());
        table.remove("op-1");
        assertThat(table.dueBy(T0.plusSeconds(5))).extracting(SandboxOperation::id).containsExactly("op-3");
        assertThat(table.pending()).extracting(SandboxOperation::id).containsExactly("op-3", "op-4");
        assertThat(table).containsKeys("op-2", "op-3", "op-4").doesNotContainKey("op-1");
        // The table still records what changed for the journal.
        assertThat(table.changes()).containsKeys("op-1", "op-2", "op-3", "op-4");
    }

    @Test
    void theIndexIsRebuiltWhenTheStateIsReadBack() {
        SandboxState state = new SandboxState();
        state.operations.put("op-1", pending("op-1", 10));
        state.operations.put("op-2", pending("op-2", 3).finished());
        state.operations.put("op-3", pending("op-3", 2));

        SandboxState read = SandboxJson.read(SandboxJson.write(state));

        assertThat(read.operations.pending()).extracting(SandboxOperation::id).containsExactly("op-3", "op-1");
        assertThat(read.operations.dueBy(T0.plusSeconds(10))).extracting(SandboxOperation::id).containsExactly("op-3", "op-1");
    }
}
