"""The information trawl: requests to agencies, their returns and chronologies, IMRs, the merged chronology."""
