-- Demo readers are marked, so that a server started without demo mode can remove them: their
-- password is public. Readers seeded by earlier versions are the two demo addresses (on the
-- reserved example.com domain, which no real reader can receive mail at).
ALTER TABLE readers ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE readers SET demo = TRUE
 WHERE email IN ('subscriber@example.com', 'reader@example.com') AND password_hash IS NOT NULL;
