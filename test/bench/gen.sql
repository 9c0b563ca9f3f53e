-- Deterministic lead generator for the benchmark (psql variables :n leads,
-- :ncomp companies).  Everything comes from a hash of the row number and a
-- salt, so the same :n gives the same rows on every run and every machine.
--
-- Realistic repetition: leads belong to companies (skewed: a few big
-- accounts, a long tail), and a company fixes industry, country, size,
-- revenue and email domain.  Titles are a seniority pattern times a job
-- function, skewed towards the common ones, with case variants and NULLs;
-- emails are mostly corporate, some personal, student, role mailboxes,
-- invalid or missing.

-- a uniform number in [0, 1) from (i, salt); inlined by the planner
CREATE FUNCTION bench_u(i bigint, salt integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8(i * 1000003 + salt) & 2147483647)::double precision / 2147483648.0 $$;

-- an element of arr; u^k with k > 1 favours the first elements
CREATE FUNCTION bench_pick(arr text[], u double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT arr[1 + floor(cardinality(arr) * u)::integer] $$;

CREATE TABLE leads (
    id          bigint NOT NULL,
    first_name  text,
    last_name   text,
    email       text,
    company     text,
    job_title   text,
    industry    text,
    country     text,
    employees   integer,
    revenue     numeric,
    created_at  timestamptz
);

INSERT INTO leads
SELECT i, fname, lname,
       CASE WHEN eu < 0.03 THEN NULL
            WHEN eu < 0.05 THEN bench_pick(ARRAY['n/a', 'unknown', '-', lower(fname) || '@',
                                                 lower(fname) || '.' || lower(lname) || '@@' || domain,
                                                 lower(fname) || ' at ' || domain], bench_u(i, 22))
            ELSE (CASE WHEN bench_u(i, 23) < 0.04 THEN initcap(addr) ELSE addr END)
       END,
       cname, title, industry, country, employees, revenue,
       timestamptz '2023-01-01 00:00:00+00' + bench_u(i, 41) * interval '700 days'
FROM (
  SELECT i, c, fname, lname, domain, cname, eu, industry, country, employees, revenue,
         CASE WHEN eu < 0.17 THEN localpart || '@' || bench_pick(ARRAY['gmail.com', 'yahoo.com',
                  'hotmail.com', 'outlook.com', 'icloud.com', 'gmx.de', 'aol.com', 'protonmail.com',
                  'yahoo.co.uk', 'web.de', 'live.com', 'orange.fr'], bench_u(i, 24) ^ 1.8)
              WHEN eu < 0.20 THEN localpart || '@' || bench_pick(ARRAY['stanford.edu', 'mit.edu',
                  'ox.ac.uk', 'cam.ac.uk', 'berkeley.edu', 'unimelb.edu.au', 'nyu.edu', 'ucl.ac.uk',
                  'tum.de', 'ethz.ch'], bench_u(i, 25))
              WHEN eu < 0.25 THEN bench_pick(ARRAY['info', 'sales', 'contact', 'hello', 'support',
                  'admin', 'marketing', 'office'], bench_u(i, 26) ^ 1.5) || '@' || domain
              ELSE localpart || '@' || domain
         END AS addr,
         CASE WHEN bench_u(i, 13) < 0.03 THEN NULL
              WHEN bench_u(i, 14) < 0.07 THEN lower(t)
              WHEN bench_u(i, 14) < 0.09 THEN upper(t)
              ELSE t
         END AS title
  FROM (
    SELECT i, c, fname, lname, eu, tu,
           format(bench_pick(ARRAY[
               '%s Specialist', '%s Manager', 'Software Engineer', '%s Analyst', 'Senior %s Manager',
               'Director of %s', '%s Coordinator', 'Senior Software Engineer', 'Account Executive',
               '%s Consultant', 'Head of %s', '%s Lead', 'VP %s', 'Owner', 'Product Manager',
               '%s Associate', 'Senior %s Analyst', 'Data Scientist', 'Founder & CEO', '%s Intern',
               'Vice President of %s', 'Senior Director, %s', 'Sales Development Representative',
               'Customer Success Manager', 'Student', 'CEO', 'CTO', 'CFO', 'Co-Founder', 'SVP, %s',
               'Chief %s Officer', 'Office Manager', 'President', 'Teacher', 'PhD Candidate',
               'Freelancer', 'Professor', 'Retired', 'COO', 'Trainee %s'], tu ^ 1.6),
             bench_pick(ARRAY['Marketing', 'Sales', 'Engineering', 'IT', 'Operations', 'Finance',
               'Product', 'Human Resources', 'Data', 'Security', 'Procurement', 'Customer Success',
               'Revenue Operations', 'Legal', 'Design', 'Growth', 'Technology',
               'Information Security', 'Supply Chain', 'Communications'], bench_u(i, 12) ^ 1.5)) AS t,
           CASE WHEN bench_u(i, 35) < 0.25 THEN left(lower(fname), 1) ELSE lower(fname) || '.' END
             || lower(lname) AS localpart,
           w1 || w2 || CASE WHEN c >= 360 THEN (c / 360)::text ELSE '' END
             || bench_pick(ARRAY['.com', '.com', '.com', '.com', '.io', '.de', '.co.uk', '.fr',
                                 '.net', '.ai', '.nl', '.com.au'], bench_u(c, 102)) AS domain,
           initcap(w1) || initcap(w2) || CASE WHEN c >= 360 THEN ' ' || (c / 360)::text ELSE '' END
             || bench_pick(ARRAY[' Inc', ' Ltd', ' GmbH', '', '', ' LLC', ' SAS', ' BV'], bench_u(c, 110)) AS cname,
           CASE WHEN bench_u(c, 104) < 0.05 THEN NULL
                ELSE (CASE WHEN bench_u(i, 31) < 0.05 THEN lower(ind)
                           WHEN bench_u(i, 31) < 0.06 THEN upper(ind) ELSE ind END)
           END AS industry,
           CASE WHEN bench_u(c, 106) < 0.04 THEN NULL
                ELSE (CASE WHEN bench_u(i, 32) < 0.03 THEN lower(ctry) ELSE ctry END)
           END AS country,
           emp AS employees,
           CASE WHEN emp IS NULL OR bench_u(c, 108) < 0.2 THEN NULL
                ELSE round((emp * (40000 + 260000 * bench_u(c, 109)))::numeric, -3)
           END AS revenue
    FROM (
      SELECT i, c, bench_u(i, 21) AS eu, bench_u(i, 11) AS tu,
             bench_pick(ARRAY['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael',
               'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Thomas',
               'Jessica', 'Daniel', 'Sarah', 'Wei', 'Priya', 'Mohammed', 'Anna', 'Lukas', 'Sofia',
               'Hiroshi', 'Chloe', 'Mateo', 'Olga', 'Ahmed', 'Fatima', 'Jan', 'Emma', 'Noah',
               'Lucas', 'Mia', 'Raj', 'Ana', 'Pierre', 'Giulia', 'Lars'], bench_u(i, 33) ^ 1.3) AS fname,
             bench_pick(ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller',
               'Davis', 'Rodriguez', 'Martinez', 'Muller', 'Schmidt', 'Wang', 'Li', 'Zhang', 'Kumar',
               'Singh', 'Patel', 'Nguyen', 'Kim', 'Rossi', 'Dubois', 'Martin', 'Bernard', 'Silva',
               'Santos', 'Ivanov', 'Kowalski', 'Nielsen', 'Jensen', 'Tanaka', 'Sato', 'Cohen',
               'Murphy', 'Kelly', 'Andersson', 'Johansson', 'Novak', 'Horvat', 'Lopez'],
               bench_u(i, 34) ^ 1.2) AS lname,
             bench_pick(ARRAY['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'hooli',
               'vandelay', 'wonka', 'tyrell', 'cyberdyne', 'soylent', 'aperture', 'oscorp',
               'massive', 'blue', 'north', 'bright', 'data', 'cloud', 'nova', 'apex', 'vertex',
               'quantum', 'silver', 'iron', 'green', 'summit', 'pioneer', 'atlas'], bench_u(c, 100)) AS w1,
             bench_pick(ARRAY['', 'tech', 'labs', 'systems', 'soft', 'corp', 'group', 'io', 'works',
               'analytics', 'health', 'logistics'], bench_u(c, 101)) AS w2,
             bench_pick(ARRAY['Software', 'Information Technology', 'Financial Services',
               'Healthcare', 'Manufacturing', 'Retail', 'Education', 'Marketing & Advertising',
               'Consulting', 'Telecommunications', 'Real Estate', 'Government', 'Non-profit',
               'Insurance', 'Logistics', 'Media', 'Energy', 'Construction', 'Hospitality',
               'Pharmaceuticals', 'Automotive', 'Banking', 'E-commerce', 'Legal Services',
               'Biotechnology', 'Cybersecurity', 'Agriculture', 'Aerospace', 'Other'],
               bench_u(c, 103) ^ 1.7) AS ind,
             bench_pick(ARRAY['US', 'GB', 'DE', 'IN', 'CA', 'FR', 'AU', 'NL', 'BR', 'ES', 'IT', 'SE',
               'JP', 'SG', 'MX', 'PL', 'CH', 'IE', 'BE', 'DK', 'NO', 'FI', 'AT', 'IL', 'ZA', 'NG',
               'AR', 'CN', 'KR', 'RU', 'IR', 'BY', 'SY', 'CU', 'KP'], bench_u(c, 105) ^ 2.2) AS ctry,
             CASE WHEN bench_u(c, 107) < 0.06 THEN NULL
                  ELSE greatest(1, round(exp(bench_u(c, 111) * ln(200000))))::integer
             END AS emp
      FROM generate_series(1, :n) AS g(i),
           LATERAL (SELECT floor(:ncomp * bench_u(i, 1) ^ 2)::bigint AS c) AS co
    ) AS base
  ) AS shaped
) AS leads_src
ORDER BY i;

ALTER TABLE leads ADD PRIMARY KEY (id);
VACUUM (FREEZE, ANALYZE) leads;
