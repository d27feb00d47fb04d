"""The report's sections: the data overview (§3), support (§3.5, §4, Bilaga 1), results
(§3.4, §5) and the regression of Tabell 18; the register of report tables."""
