-- Finance explains discrepancies one by one ("credit note in July", "tagged late") before it
-- marks a whole run reconciled. A mark is kept beside the discrepancy, not in its row: the
-- discrepancy rows are written in bulk by the reconciler and never change afterwards.
CREATE TABLE reconciliation_discrepancy_mark (
    run_id        varchar(64)   NOT NULL,
    seq           bigint        NOT NULL,
    reconciled_by varchar(256)  NOT NULL,
    reconciled_at timestamptz   NOT NULL,
    note          varchar(2000) NOT NULL,
    PRIMARY KEY (run_id, seq),
    FOREIGN KEY (run_id, seq) REFERENCES reconciliation_discrepancy (run_id, seq) ON DELETE CASCADE
);
