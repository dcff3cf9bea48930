-- The IPAM's hot table loses its owner index: every allocation paid for a second b-tree insert
-- (text keys of ~45 bytes) only so that an owner's addresses could be found without the address.
-- Every release now names its address (the server records it; a rolled-back create knows the
-- allocation) and checks the owner on the primary-key row, so nothing needs the index; the
-- address sweep, every few minutes, reads the table sequentially instead.
DROP INDEX IF EXISTS ipam_address_owner;
