-- 注销: a record entered by mistake (a birth saved twice) is voided by an event,
-- never deleted. The void in force is kept beside the person for fast reads (the
-- number of the Void event, NULL when the record counts): every count, list and
-- birth order leaves voided persons out. Like the rest of the current state it is
-- the fold of the person's events (a void revoked puts the person back).
ALTER TABLE persons ADD COLUMN voided_by INTEGER;
