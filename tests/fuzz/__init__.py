"""Random-program differential testing of adgen (issue 18).

``gen`` writes seeded random programs, ``oracle`` compares adgen's derivatives of them with
the programs themselves and with finite differences, ``shrink`` reduces a failing program,
``mutate`` fuzzes the frontend with broken programs and wrong arguments, and
``python -m tests.fuzz --count N --seed S`` runs a campaign.
"""
