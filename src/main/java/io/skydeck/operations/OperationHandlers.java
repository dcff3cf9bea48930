package io.skydeck.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/** The handler of each operation kind: what the runner and a cancel ask to do or undo an operation's work. */
@ApplicationScoped
public class OperationHandlers {

    @Inject
    Instance<OperationHandler> handlers;

    public OperationHandler of(OperationKind kind) {
        for (OperationHandler handler : handlers) {
            if (handler.handles(kind)) {
                return handler;
            }
        }
        throw new IllegalStateException("no handler for " + kind);
    }
}
