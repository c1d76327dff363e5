import { describe, expect, it } from 'vitest';
import { communeChoiceOf as communeChoice } from '../../web/src/lib/communeChoice.ts';

const m = (insee: string, commune: string, departement: string) => ({ insee, commune, departement });

describe('the communes the monument filter offers', () => {
  // Three départements, 12 communes, two monuments in Sélestat.
  const base = [
    m('67462', 'Sélestat', '67'),
    m('67462', 'Sélestat', '67'),
    m('67482', 'Strasbourg', '67'),
    m('67180', 'Haguenau', '67'),
    m('68066', 'Colmar', '68'),
    m('68224', 'Mulhouse', '68'),
    m('68297', 'Ribeauvillé', '68'),
    m('57463', 'Metz', '57'),
    m('57672', 'Thionville', '57'),
    m('57227', 'Forbach', '57'),
    m('57606', 'Saint-Avold', '57'),
    m('57631', 'Sarreguemines', '57'),
    m('57751', 'Yutz', '57'),
  ];

  it('lists every commune, in French order, while they are few', () => {
    const c = communeChoice(base, '', '', 20);
    expect(c.needsDepartement).toBe(false);
    expect(c.items.map((x) => x.nom)).toEqual([
      'Colmar', 'Forbach', 'Haguenau', 'Metz', 'Mulhouse', 'Ribeauvillé', 'Saint-Avold', 'Sarreguemines', 'Sélestat', 'Strasbourg', 'Thionville', 'Yutz',
    ]);
  });

  it('beyond the limit, asks for a département first, then lists its communes', () => {
    expect(communeChoice(base, '', '', 10)).toEqual({ items: [], needsDepartement: true });
    const bas = communeChoice(base, '67', '', 10);
    expect(bas.items).toEqual([
      { insee: '67180', nom: 'Haguenau' },
      { insee: '67462', nom: 'Sélestat' },
      { insee: '67482', nom: 'Strasbourg' },
    ]);
  });

  it('a commune chosen without a département (from a shared link) lists its own département', () => {
    const c = communeChoice(base, '', '68224', 10);
    expect(c.needsDepartement).toBe(false);
    expect(c.items.map((x) => x.insee)).toEqual(['68066', '68224', '68297']);
  });
});
