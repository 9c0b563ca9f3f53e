-- Data hygiene helpers: seniority, email class and domain, their editable
-- dictionaries, and their use as derived attributes in rules.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;

SELECT t AS title, leadscore.seniority(t) FROM unnest(ARRAY[
  'Chief Executive Officer', 'Co-Founder & CEO', 'VP, Sales', 'Vice President of Marketing',
  'Head of Growth', 'Senior Director, Demand Gen', 'Engineering Manager', 'Software Engineer',
  'Account Executive', 'Marketing Intern', 'PhD Student', 'Student Success Manager',
  'Astronaut', '', 'DIRECTOR GÉNÉRAL']) t;

SELECT e AS email, leadscore.email_class(e), leadscore.email_domain(e) FROM unnest(ARRAY[
  'jane@acme.io', 'Bob+news@Gmail.com', 'kid@cs.stanford.edu', 'x@oxford.ac.uk',
  'Info@Acme.com', 'sales@globex.de', 'a@b', 'a@@b.com', 'no at sign', ' jane@acme.io ']) e;
SELECT leadscore.seniority(NULL) IS NULL AS strict_null;

-- the dictionaries are tables a team edits; changes apply at once
SELECT level, count(*) FROM leadscore.seniority_keyword GROUP BY level ORDER BY level;
SELECT leadscore.seniority('Directeur Commercial');
INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('directeur', 'director');
SELECT leadscore.seniority('Directeur Commercial');
SELECT leadscore.email_class('ceo@startup-mail.com');
INSERT INTO leadscore.email_domain (domain, class) VALUES ('startup-mail.com', 'personal');
SELECT leadscore.email_class('ceo@startup-mail.com');
INSERT INTO leadscore.email_domain (domain, class) VALUES ('.edu.fr', 'student');
SELECT leadscore.email_class('x@univ.edu.fr');
INSERT INTO leadscore.role_mailbox (local_part) VALUES ('bonjour');
SELECT leadscore.email_class('bonjour@acme.fr');
-- what the classifier cannot use is refused at INSERT
INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('eng*ineer', 'individual');
INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('Boss', 'c_level');
INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('boss', 'overlord');
INSERT INTO leadscore.email_domain (domain, class) VALUES ('work.com', 'corporate');

-- derived attributes in rules
SELECT leadscore.import_model($$
{"name": "hygiene",
 "fit": {"rules": [
   {"name": "senior", "attribute": "seniority(job_title)", "op": "in", "value": ["c_level", "vp"], "points": 20},
   {"name": "director", "attribute": "seniority( job_title )", "op": "eq", "value": "director", "points": 10},
   {"name": "personal", "attribute": "email_class(email)", "op": "eq", "value": "personal", "points": -5},
   {"name": "student", "attribute": "email_class(email)", "op": "eq", "value": "student", "points": -15},
   {"name": "bad email", "attribute": "email_class(email)", "op": "eq", "value": "invalid", "points": -20},
   {"name": "target domain", "attribute": "email_domain(email)", "op": "suffix", "value": ".io", "points": 3},
   {"name": "no email", "attribute": "email_domain(email)", "op": "missing", "points": -1}
 ]}}
$$) > 0 AS imported;
SELECT j AS lead, leadscore.fit_score('hygiene', j::jsonb) AS fit
  FROM unnest(ARRAY[
    '{"job_title": "CEO", "email": "ceo@acme.io"}',
    '{"job_title": "Directeur Commercial", "email": "ceo@startup-mail.com"}',
    '{"job_title": "PhD Student", "email": "kid@mit.edu"}',
    '{"job_title": "Intern", "email": "not an email"}',
    '{"job_title": null}']) j;
SELECT * FROM leadscore.explain('hygiene', '{"job_title": "VP Sales", "email": "vp@gmail.com"}'::jsonb);

DELETE FROM leadscore.seniority_keyword WHERE NOT builtin;
DELETE FROM leadscore.email_domain WHERE NOT builtin;
DELETE FROM leadscore.role_mailbox WHERE NOT builtin;
SELECT leadscore.seniority('Directeur Commercial');
DELETE FROM leadscore.model WHERE name = 'hygiene';
