# U.S. clock times as agents read them on the seed's pages: "5:00 PM", not "5 p.m.".
TIME_FORMAT = "g:i A"
