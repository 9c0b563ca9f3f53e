-- Loads the X Education lead-scoring data set (a CSV of that shape; see
-- ../shared/data/README.md) into xed_leads: one row per lead, snake_case
-- columns, "Select" and empty fields as NULL.  The outcome is `converted`.
-- The columns entered by sales after contact (Tags, Lead Quality, Lead
-- Profile, Asymmetrique *) leak the outcome and are left out.
--   psql -v csv=/path/to/Leads.csv -f test/data/x_education.sql
-- (a server-side COPY: the file must be readable by the server, and the
-- role a superuser or a member of pg_read_server_files)
CREATE TEMP TABLE xed_raw (
  "Prospect ID" text,
  "Lead Number" text,
  "Lead Origin" text,
  "Lead Source" text,
  "Do Not Email" text,
  "Do Not Call" text,
  "Converted" text,
  "TotalVisits" text,
  "Total Time Spent on Website" text,
  "Page Views Per Visit" text,
  "Last Activity" text,
  "Country" text,
  "Specialization" text,
  "How did you hear about X Education" text,
  "What is your current occupation" text,
  "What matters most to you in choosing a course" text,
  "Search" text,
  "Magazine" text,
  "Newspaper Article" text,
  "X Education Forums" text,
  "Newspaper" text,
  "Digital Advertisement" text,
  "Through Recommendations" text,
  "Receive More Updates About Our Courses" text,
  "Tags" text,
  "Lead Quality" text,
  "Update me on Supply Chain Content" text,
  "Get updates on DM Content" text,
  "Lead Profile" text,
  "City" text,
  "Asymmetrique Activity Index" text,
  "Asymmetrique Profile Index" text,
  "Asymmetrique Activity Score" text,
  "Asymmetrique Profile Score" text,
  "I agree to pay the amount through cheque" text,
  "A free copy of Mastering The Interview" text,
  "Last Notable Activity" text
);
COPY xed_raw FROM :'csv' WITH (FORMAT csv, HEADER true);

CREATE TABLE xed_leads AS
SELECT "Lead Number"::int AS lead_number,
       nullif(nullif("Lead Origin", ''), 'Select') AS lead_origin,
       nullif(nullif("Lead Source", ''), 'Select') AS lead_source,
       "Do Not Email" = 'Yes' AS do_not_email,
       "Do Not Call" = 'Yes' AS do_not_call,
       "Converted" = '1' AS converted,
       nullif("TotalVisits", '')::numeric AS total_visits,
       nullif("Total Time Spent on Website", '')::numeric AS time_on_site,
       nullif("Page Views Per Visit", '')::numeric AS pages_per_visit,
       nullif(nullif("Last Activity", ''), 'Select') AS last_activity,
       nullif(nullif("Country", ''), 'Select') AS country,
       nullif(nullif("City", ''), 'Select') AS city,
       nullif(nullif("Specialization", ''), 'Select') AS specialization,
       nullif(nullif("What is your current occupation", ''), 'Select') AS occupation,
       "A free copy of Mastering The Interview" = 'Yes' AS free_copy,
       nullif(nullif("Last Notable Activity", ''), 'Select') AS last_notable_activity
  FROM xed_raw;
ALTER TABLE xed_leads ADD PRIMARY KEY (lead_number);
ANALYZE xed_leads;
