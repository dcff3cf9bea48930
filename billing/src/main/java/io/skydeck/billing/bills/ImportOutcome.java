package io.skydeck.billing.bills;

/** How an import ended. Nothing of a rejected or repeated file is kept. */
public sealed interface ImportOutcome permits ImportOutcome.Imported, ImportOutcome.AlreadyImported, ImportOutcome.Rejected {

    enum Kind { IMPORTED, ALREADY_IMPORTED, REJECTED }

    /** For exhaustive switches (Java 17 has no pattern switch). */
    Kind kind();

    record Imported(String sha256, BillFormat format, long lines) implements ImportOutcome {
        @Override
        public Kind kind() {
            return Kind.IMPORTED;
        }
    }

    /** The same bytes were imported before; this run was a no-op. */
    record AlreadyImported(String sha256, long lines) implements ImportOutcome {
        @Override
        public Kind kind() {
            return Kind.ALREADY_IMPORTED;
        }
    }

    record Rejected(long line, String message) implements ImportOutcome {
        @Override
        public Kind kind() {
            return Kind.REJECTED;
        }
    }
}
